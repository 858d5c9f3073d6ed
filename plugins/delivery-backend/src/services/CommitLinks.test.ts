import { ConfigReader } from '@backstage/config';
import { CommitLinks } from './CommitLinks';

const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

// github.com, a GitHub Enterprise, a self-hosted GitLab, Bitbucket Cloud
// and a Bitbucket Server, as app-config would list them (gitlab.com is one
// of Backstage's defaults).
const links = CommitLinks.fromConfig(
  new ConfigReader({
    integrations: {
      github: [
        { host: 'github.com' },
        { host: 'ghe.acme.io', apiBaseUrl: 'https://ghe.acme.io/api/v3' },
      ],
      gitlab: [
        { host: 'code.acme.io', apiBaseUrl: 'https://code.acme.io/api/v4' },
      ],
      bitbucketCloud: [{ username: 'portolan-ci', appPassword: 'secret' }],
      bitbucketServer: [{ host: 'stash.acme.io' }],
    },
  }),
);

describe('CommitLinks', () => {
  it.each([
    [
      'github.com',
      'https://github.com/acme/shop.git',
      'https://github.com/acme/shop/commit/',
    ],
    [
      'github.com over ssh',
      'git@github.com:acme/shop.git',
      'https://github.com/acme/shop/commit/',
    ],
    [
      'GitHub Enterprise',
      'https://ghe.acme.io/acme/shop',
      'https://ghe.acme.io/acme/shop/commit/',
    ],
    // A host whose name says nothing: the integration says GitLab.
    [
      'a GitLab host',
      'https://code.acme.io/payments/core/shop.git',
      'https://code.acme.io/payments/core/shop/-/commit/',
    ],
    [
      'a GitLab host over ssh',
      'ssh://git@code.acme.io:2222/payments/shop.git',
      'https://code.acme.io/payments/shop/-/commit/',
    ],
    [
      'gitlab.com (a default)',
      'https://gitlab.com/acme/shop',
      'https://gitlab.com/acme/shop/-/commit/',
    ],
    [
      'Bitbucket Cloud',
      'https://bitbucket.org/acme/shop.git',
      'https://bitbucket.org/acme/shop/commits/',
    ],
    [
      'Bitbucket Cloud, credentials in the URL',
      'https://ci:secret@bitbucket.org/acme/shop.git/',
      'https://bitbucket.org/acme/shop/commits/',
    ],
    [
      'Bitbucket Server',
      'https://stash.acme.io/scm/pay/shop.git',
      'https://stash.acme.io/projects/pay/repos/shop/commits/',
    ],
    [
      'Bitbucket Server over ssh',
      'ssh://git@stash.acme.io:7999/pay/shop.git',
      'https://stash.acme.io/projects/pay/repos/shop/commits/',
    ],
  ])('%s', (_, repo, page) => {
    expect(links.commitUrl(repo, sha)).toBe(`${page}${sha}`);
  });

  it('falls back to <repo>/commit/<sha> for a host without an integration (the sandbox Git server)', () => {
    expect(
      links.commitUrl('https://git.portolan.example/payments/ledger.git', sha),
    ).toBe(`https://git.portolan.example/payments/ledger/commit/${sha}`);
    expect(
      links.commitUrl('http://127.0.0.1:3000/payments/ledger.git', sha),
    ).toBe(`http://127.0.0.1:3000/payments/ledger/commit/${sha}`);
    // Only integrations say a host is GitLab, not its name.
    expect(
      links.commitUrl('https://gitlab.internal.example/acme/shop', sha),
    ).toBe(`https://gitlab.internal.example/acme/shop/commit/${sha}`);
  });

  it('gives nothing for a branch name, a non-web URL or garbage', () => {
    expect(
      links.commitUrl('https://github.com/acme/shop', 'main'),
    ).toBeUndefined();
    expect(links.commitUrl('file:///srv/git/shop', sha)).toBeUndefined();
    expect(links.commitUrl('not a url', sha)).toBeUndefined();
    expect(links.commitUrl('', sha)).toBeUndefined();
  });
});
