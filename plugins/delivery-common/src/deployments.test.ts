import { isRevertMessage, revertedCommitOf } from './deployments';

describe('isRevertMessage / revertedCommitOf', () => {
  const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
  it("reads git's own revert message", () => {
    const message = `Revert "Cache catalogue lookups"\n\nThis reverts commit ${sha}.`;
    expect(isRevertMessage(message)).toBe(true);
    expect(revertedCommitOf(message)).toBe(sha);
  });

  it('reads a squashed revert pull request title', () => {
    expect(isRevertMessage('Revert "Cache catalogue lookups" (#123)')).toBe(
      true,
    );
    expect(
      revertedCommitOf('Revert "Cache catalogue lookups" (#123)'),
    ).toBeUndefined();
  });

  it('is not fooled by ordinary messages', () => {
    expect(
      isRevertMessage('Reverting to the old pool size was a mistake'),
    ).toBe(false);
    expect(isRevertMessage(undefined)).toBe(false);
  });
});
