import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { checkStartupConfig } from './checkStartupConfig';
import { startupConfigChecksServiceFactory } from './startupConfigChecksServiceFactory';

const repo = path.resolve(__dirname, '../../../..');
const readYaml = (file: string) =>
  parse(fs.readFileSync(path.join(repo, file), 'utf8'));

/** Config files layered last-wins, as the backend's config loader does. */
const layered = (...data: object[]) =>
  ConfigReader.fromConfigs(
    data.map((d, i) => ({ data: d as any, context: `layer-${i}` })),
  );

const production = { auth: { environment: 'production' } };

/** Config with one Argo CD instance (defaults: a real one over TLS). */
const argocdInstance = (instance: object) => ({
  argocd: {
    appLocatorMethods: [
      {
        type: 'config',
        instances: [
          {
            name: 'argocd-prod',
            url: 'https://argocd.example.com',
            ...instance,
          },
        ],
      },
    ],
  },
});

/** Config with one Kubernetes cluster (defaults: a real one over TLS). */
const cluster = (settings: object) => ({
  kubernetes: {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'prod-eu',
            url: 'https://prod-eu.k8s.example.com:6443',
            authProvider: 'serviceAccount',
            ...settings,
          },
        ],
      },
    ],
  },
});

const githubOrganizations = {
  portolan: { signIn: { github: { organizations: ['example'] } } },
};

/** A production deployment done right: real systems over TLS, real sign-in. */
const realSystems = {
  ...argocdInstance({ token: 'eyJreal' }),
  ...cluster({
    serviceAccountToken: 'real-token',
    caData: 'LS0tLS1CRUdJTi...',
  }),
  ...githubOrganizations,
};

const check = (...data: object[]) => checkStartupConfig(layered(...data), {});

describe('checkStartupConfig', () => {
  it('passes the embedded default with the sandbox run config (loopback http only)', () => {
    const report = check(readYaml('app-config.yaml'), {
      portolan: {
        sandbox: { enabled: true },
        git: { url: 'http://127.0.0.1:7120/git', password: 'portolan-sandbox' },
      },
      auth: { providers: { sandbox: {} } },
      backend: { listen: { host: '127.0.0.1' } },
    });
    expect(report.errors).toEqual([]);
  });

  it('passes app-config.production.yaml over the base once real systems are configured', () => {
    const report = check(
      readYaml('app-config.yaml'),
      readYaml('app-config.production.yaml'),
      realSystems,
    );
    expect(report).toEqual({ errors: [], warnings: [] });
  });

  it('fails production that still points at the sandbox, naming each key', () => {
    const { errors } = check(
      readYaml('app-config.yaml'),
      readYaml('app-config.production.yaml'),
      argocdInstance({ username: 'admin', password: 'portolan-sandbox' }),
      cluster({ serviceAccountToken: 'sandbox-token-prod-eu' }),
      githubOrganizations,
    );
    expect(errors).toHaveLength(2);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^argocd\.appLocatorMethods\[0\]\.instances\[0\]\.password is the sandbox's password/,
        ),
        expect.stringMatching(
          /^kubernetes\.clusterLocatorMethods\[0\]\.clusters\[0\]\.serviceAccountToken is a sandbox token/,
        ),
      ]),
    );
    // Names the key, never the secret.
    expect(errors.join('\n')).not.toContain('portolan-sandbox');
  });

  it.each([
    [
      { portolan: { sandbox: { enabled: true } } },
      /^portolan\.sandbox\.enabled is true in production/,
    ],
    [
      { auth: { providers: { sandbox: {} } } },
      /^auth\.providers\.sandbox is configured in production/,
    ],
    [
      {
        auth: {
          providers: { guest: { dangerouslyAllowOutsideDevelopment: true } },
        },
      },
      /^auth\.providers\.guest\.dangerouslyAllowOutsideDevelopment is true in production/,
    ],
    [
      { portolan: { signIn: { providers: ['github', 'guest'] } } },
      /^portolan\.signIn\.providers offers 'guest'/,
    ],
    [
      {
        auth: {
          providers: {
            github: {
              production: {
                clientId: 'x',
                clientSecret: 'y',
                signIn: {
                  resolvers: [
                    {
                      resolver: 'usernameMatchingUserEntityName',
                      dangerouslyAllowSignInWithoutUserInCatalog: true,
                    },
                  ],
                },
              },
            },
          },
        },
      },
      /^auth\.providers\.github\.production\.signIn\.resolvers\[0\]\.dangerouslyAllowSignInWithoutUserInCatalog is true/,
    ],
  ])(
    'fails production with a sandbox sign-in shortcut: %j',
    (shortcut, message) => {
      expect(check(realSystems, production, shortcut).errors).toEqual([
        expect.stringMatching(message),
      ]);
      // The same shortcut is fine outside production.
      expect(check(realSystems, shortcut).errors).toEqual([]);
    },
  );

  it('requires one logs cursor key in production, where replicas share results', () => {
    const logs = {
      logs: {
        clusters: [
          { name: 'main', url: 'https://es.example.com', apiKey: 'k' },
        ],
      },
    };
    expect(check(realSystems, production, logs).errors).toEqual([
      expect.stringMatching(/^logs\.cursorSecret is not set in production/),
    ]);
    expect(
      check(realSystems, production, logs, {
        logs: { cursorSecret: 'a-shared-key-of-32-characters!!' },
      }).errors,
    ).toEqual([]);
    // One process outside production makes its own key.
    expect(check(realSystems, logs).errors).toEqual([]);
  });

  it('requires the GitHub organisations when GitHub sign-in is configured', () => {
    const github = {
      auth: {
        providers: {
          github: { development: { clientId: 'x', clientSecret: 'y' } },
        },
      },
    };
    expect(check(github).errors).toEqual([
      expect.stringMatching(
        /^auth\.providers\.github is configured but portolan\.signIn\.github\.organizations is empty/,
      ),
    ]);
    expect(check(github, githubOrganizations).errors).toEqual([]);
  });

  describe('plain http: upstreams', () => {
    it.each([
      [
        'argocd.appLocatorMethods[0].instances[0].url',
        argocdInstance({ url: 'http://argocd.internal' }),
      ],
      [
        'kubernetes.clusterLocatorMethods[0].clusters[0].url',
        cluster({ url: 'http://10.0.0.1:6443' }),
      ],
      [
        'portolan.git.url',
        { portolan: { git: { url: 'http://git.example.com/git' } } },
      ],
      [
        'portolan.logs.elasticsearch.url',
        {
          portolan: {
            logs: { elasticsearch: { url: 'http://es.internal:9200' } },
          },
        },
      ],
      [
        'proxy.endpoints./opencost.target',
        {
          proxy: {
            endpoints: { '/opencost': { target: 'http://opencost.internal' } },
          },
        },
      ],
      [
        'integrations.github[0].apiBaseUrl',
        {
          integrations: {
            github: [
              {
                host: 'ghe.example.com',
                apiBaseUrl: 'HTTP://ghe.example.com/api/v3',
              },
            ],
          },
        },
      ],
    ])('refuses %s towards another machine', (key, data) => {
      const { errors } = check(data);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        new RegExp(`^${key.replace(/[.[\]/]/g, '\\$&')} is plain http://`),
      );
    });

    it.each([
      'http://127.0.0.1:7101',
      'http://localhost:7101',
      'http://[::1]:7101',
      'http://127.0.0.2',
      'https://argocd.example.com',
    ])('allows %s', url => {
      expect(check({ portolan: { git: { url } } }).errors).toEqual([]);
    });

    it("ignores the portal's own and browser-side addresses", () => {
      const own = 'http://portal.internal:7007';
      expect(
        check({
          app: {
            baseUrl: own,
            support: { url: 'http://wiki.internal/portolan' },
          },
          backend: {
            baseUrl: own,
            cors: { origin: own },
            csp: { 'connect-src': ["'self'", 'http:'] },
          },
        }).errors,
      ).toEqual([]);
    });
  });

  describe('TLS verification', () => {
    it('is switched off only by an explicit boolean, with a warning outside production', () => {
      expect(check(cluster({ skipTLSVerify: false }))).toEqual({
        errors: [],
        warnings: [],
      });
      expect(check(cluster({ skipTLSVerify: true }))).toEqual({
        errors: [],
        warnings: [
          expect.stringMatching(
            /^kubernetes\.clusterLocatorMethods\[0\]\.clusters\[0\]\.skipTLSVerify switches TLS verification off/,
          ),
        ],
      });
      expect(check(cluster({ skipTLSVerify: 'yes' })).errors).toEqual([
        expect.stringMatching(
          /^kubernetes\.clusterLocatorMethods\[0\]\.clusters\[0\]\.skipTLSVerify must be a boolean/,
        ),
      ]);
    });

    it('is never switched off in production', () => {
      expect(
        check(realSystems, production, cluster({ skipTLSVerify: true })).errors,
      ).toEqual([
        expect.stringMatching(
          /^kubernetes\.clusterLocatorMethods\[0\]\.clusters\[0\]\.skipTLSVerify switches TLS verification off, which production/,
        ),
      ]);
      expect(
        check(realSystems, production, {
          backend: {
            database: {
              client: 'pg',
              connection: { ssl: { rejectUnauthorized: false } },
            },
          },
        }).errors,
      ).toEqual([
        expect.stringMatching(
          /^backend\.database\.connection\.ssl\.rejectUnauthorized switches TLS verification off/,
        ),
      ]);
    });

    it('is never switched off for the whole process', () => {
      const report = checkStartupConfig(layered({}), {
        NODE_TLS_REJECT_UNAUTHORIZED: '0',
      });
      expect(report.errors).toEqual([
        expect.stringMatching(
          /^NODE_TLS_REJECT_UNAUTHORIZED=0 switches TLS verification off/,
        ),
      ]);
    });
  });
});

describe('startupConfigChecksServiceFactory', () => {
  it('stops the backend before any plugin starts, naming the key', async () => {
    await expect(
      startTestBackend({
        features: [
          startupConfigChecksServiceFactory,
          mockServices.rootConfig.factory({
            data: { ...production, portolan: { sandbox: { enabled: true } } },
          }),
        ],
      }),
    ).rejects.toThrow(
      /refuses to start with this config:\n {2}- portolan\.sandbox\.enabled is true in production/,
    );
  });

  it('lets a sound config start', async () => {
    const backend = await startTestBackend({
      features: [
        startupConfigChecksServiceFactory,
        mockServices.rootConfig.factory({ data: realSystems }),
      ],
    });
    expect(backend.server.listening).toBe(true);
    await backend.stop();
  });
});
