import { EQUALITY_SELECTOR_CASES } from '@portolan/argocd-common';
import { parseLabelSelector } from './selectors';

const matches = (selector: string, labels: Record<string, string>) =>
  parseLabelSelector(selector).every(term => term(labels));

describe("the Kubernetes stand-in's label selectors", () => {
  it.each(EQUALITY_SELECTOR_CASES)(
    'agrees with the portal parser: $selector on $labels → $matches',
    ({ selector, labels, matches: expected }) => {
      expect(matches(selector, labels)).toBe(expected);
    },
  );

  // Set-based terms, which only the server side needs (kubectl sends them).
  it.each([
    ['env in (dev,staging)', { env: 'dev' }, true],
    ['env in (dev,staging)', { env: 'prod' }, false],
    ['env notin (prod)', { env: 'dev' }, true],
    ['env notin (prod)', {}, true],
    ['canary', { canary: 'x' }, true],
    ['!canary', { canary: 'x' }, false],
    ['app=web,env in (dev, staging)', { app: 'web', env: 'staging' }, true],
  ] as const)('%s on %j → %s', (selector, labels, expected) => {
    expect(matches(selector, labels as Record<string, string>)).toBe(expected);
  });

  it('answers 400 with the API server message for a term it cannot parse', () => {
    expect(() => parseLabelSelector('a=(b')).toThrow(
      /unable to parse requirement/,
    );
  });
});
