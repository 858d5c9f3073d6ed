import { globMatch } from './glob';
import {
  isDestinationPermitted,
  isSourcePermitted,
  normalizeGitUrl,
} from './projectPermissions';

// Cases from the upstream tests, so the stand-in matches as Argo CD does:
// github.com/gobwas/glob glob_test.go, and argoproj/argo-cd
// pkg/apis/application/v1alpha1/types_test.go (TestAppProject_Is*Permitted).

describe('globMatch (gobwas/glob semantics)', () => {
  it.each([
    [true, '* ?at * eyes', 'my cat has very bright eyes', []],
    [true, '', '', []],
    [false, '', 'b', []],
    [true, 'a*c', 'a12345c', []],
    [true, 'a.*', 'a.b', ['.']],
    [true, 'a.**', 'a.b.c', ['.']],
    [true, 'a.?.c', 'a.b.c', ['.']],
    [true, '\\*', '*', []],
    [true, '**', 'a.b.c', ['.']],
    [false, '?at', 'fat', ['f']],
    [false, 'a.*', 'a.b.c', ['.']],
    [false, 'a.?.c', 'a.bb.c', ['.']],
    [false, '*', 'a.b.c', ['.']],
    [true, '**is**a***test*', 'this is a test', []],
    [false, '*is', 'this is a test', []],
    [true, '[!a]*', 'this is a test3', []],
    [true, '?*?', 'ac', []],
    [false, 'sta?n', 'stagnation', []],
    [true, '{abc,def}ghi', 'defghi', []],
    [true, '{a,ab}{bc,f}', 'abc', []],
    [true, '{*,**}{a,b}', 'ab', []],
    [false, '{*,**}{a,b}', 'ac', []],
    [true, '/{rate,[a-z][a-z][a-z]}*', '/usd', []],
    [true, '{*.google.*,*.yandex.*}', 'www.google.com', ['.']],
    [false, '{*.google.*,*.yandex.*}', 'google.com', ['.']],
    [true, '*//{,*.}example.com', 'https://www.example.com', []],
    [false, '*//{,*.}example.com', 'http://example.com.net', []],
  ])(
    '%p: %p matches %p (separators %p)',
    (expected, pattern, value, separators) => {
      expect(
        globMatch(pattern as string, value as string, separators as string[]),
      ).toBe(expected);
    },
  );

  it('matches nothing with a pattern that does not compile, as util/glob.Match does', () => {
    expect(globMatch('[a-', 'a')).toBe(false);
    expect(globMatch('{a,b', 'a')).toBe(false);
  });
});

describe('AppProject sourceRepos', () => {
  it.each([
    [['*'], 'https://github.com/argoproj/test.git', true],
    [
      ['https://github.com/argoproj/test.git'],
      'https://github.com/argoproj/test.git',
      true,
    ],
    [
      ['ssh://git@GITHUB.com:argoproj/test'],
      'ssh://git@github.com:argoproj/test',
      true,
    ],
    [
      ['https://github.com/argoproj/*'],
      'https://github.com/argoproj/argoproj.git',
      true,
    ],
    [
      [
        'https://github.com/test1/test.git',
        'https://github.com/test2/test.git',
      ],
      'https://github.com/test2/test.git',
      true,
    ],
    [
      ['https://github.com/argoproj/test1.git'],
      'https://github.com/argoproj/test2.git',
      false,
    ],
    [
      ['https://github.com/argoproj/*.git'],
      'https://github.com/argoproj1/test2.git',
      false,
    ],
    [
      ['https://github.com/argoproj/foo'],
      'https://github.com/argoproj/foo1',
      false,
    ],
    [
      ['https://gitlab.com/group/*'],
      'https://gitlab.com/group/repo/owner',
      false,
    ],
    [
      ['https://gitlab.com/group/*/*'],
      'https://gitlab.com/group/repo/owner',
      true,
    ],
    [
      ['https://gitlab.com/group/**'],
      'https://gitlab.com/group/sub-group/repo/owner',
      true,
    ],
    // TestAppProject_IsNegatedSourcePermitted
    [
      ['!https://github.com/argoproj/test.git'],
      'https://github.com/argoproj/test.git',
      false,
    ],
    [
      [
        'https://github.com/test1/test.git',
        '!https://github.com/test2/test.git',
      ],
      'https://github.com/test2/test.git',
      false,
    ],
    [
      ['!https://gitlab.com/group/**'],
      'https://gitlab.com/group/sub-group/repo/owner',
      false,
    ],
    [
      ['https://github.com/argoproj/test1.git', '*'],
      'https://github.com/argoproj/test2.git',
      true,
    ],
    [
      ['!https://github.com/argoproj/*.git', '*'],
      'https://github.com/argoproj1/test2.git',
      true,
    ],
  ])('%p permits %p: %p', (sourceRepos, repo, expected) => {
    expect(isSourcePermitted({ sourceRepos }, repo)).toBe(expected);
  });

  it('normalises Git URLs as util/git.NormalizeGitURL does', () => {
    expect(normalizeGitUrl('https://GitHub.com/Org/Repo.git')).toBe(
      'https://github.com/org/repo',
    );
    expect(normalizeGitUrl('git@github.com:org/repo.git')).toBe(
      'git@github.com/org/repo',
    );
  });
});

describe('AppProject destinations', () => {
  const K = 'https://kubernetes.default.svc';
  type Dest = { server?: string; name?: string; namespace?: string };
  it.each<[string, Dest[], Dest, boolean]>([
    [
      'server and namespace match',
      [{ server: K, namespace: 'default' }],
      { server: K, namespace: 'default' },
      true,
    ],
    [
      'namespace does not match',
      [{ server: K, namespace: 'default' }],
      { server: K, namespace: 'kube-system' },
      false,
    ],
    [
      'server does not match',
      [{ server: 'https://my-cluster', namespace: 'default' }],
      { server: K, namespace: 'default' },
      false,
    ],
    [
      'wildcard namespace',
      [{ server: K, namespace: '*' }],
      { server: K, namespace: 'kube-system' },
      true,
    ],
    [
      'wildcard server',
      [{ server: 'https://*.default.svc', namespace: 'default' }],
      { server: K, namespace: 'default' },
      true,
    ],
    [
      'wildcard server, no match',
      [{ server: 'https://team1-*', namespace: 'default' }],
      { server: 'https://test2-dev-cluster', namespace: 'default' },
      false,
    ],
    [
      'namespace prefix',
      [{ server: K, namespace: 'test-*' }],
      { server: K, namespace: 'test-foo' },
      true,
    ],
    [
      'namespace prefix, no match',
      [{ server: K, namespace: 'test-*' }],
      { server: K, namespace: 'test' },
      false,
    ],
    [
      'by name',
      [{ server: '', namespace: '*', name: 'test' }],
      { name: 'test', namespace: 'test' },
      true,
    ],
    [
      'by another name',
      [{ server: '', namespace: '*', name: 'test2' }],
      { name: 'test', namespace: 'test' },
      false,
    ],
    [
      'negated namespace list on another cluster',
      [
        { name: 'host-cluster', server: K, namespace: '!{kube-system,argocd}' },
        {
          name: 'destination-cluster-01',
          server:
            'https://eks-cluster-endpoint.ap-southeast-1.eks.amazonaws.com',
          namespace: '*',
        },
      ],
      {
        server: 'https://eks-cluster-endpoint.ap-southeast-1.eks.amazonaws.com',
        namespace: 'kube-system',
      },
      true,
    ],
    // TestAppProject_IsNegatedDestinationPermitted
    [
      'denied server',
      [{ server: `!${K}`, namespace: 'default' }],
      { server: K, namespace: 'default' },
      false,
    ],
    [
      'denied namespace',
      [{ server: K, namespace: '!default' }],
      { server: K, namespace: 'kube-system' },
      true,
    ],
    [
      'denied namespace glob',
      [{ server: K, namespace: '!test-*' }],
      { server: K, namespace: 'test-foo' },
      false,
    ],
    [
      'denied name',
      [{ server: '', namespace: '*', name: '!test' }],
      { name: 'test', namespace: 'test' },
      false,
    ],
    [
      'deny wins over allow',
      [
        { server: '*', namespace: '*' },
        { server: '*', namespace: '!kube-system' },
      ],
      { server: K, namespace: 'kube-system' },
      false,
    ],
  ])('%s', (_name, destinations, app, expected) => {
    expect(
      isDestinationPermitted(
        { destinations },
        { server: app.server ?? '', name: app.name ?? '' },
        app.namespace ?? '',
      ),
    ).toBe(expected);
  });
});
