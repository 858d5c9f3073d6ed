import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { locationSpecToMetadataName } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ArgoCdClient } from '@portolan/argocd-node';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ServiceAccess } from '../access/ServiceAccess';
import { GitRemoteConfig, readRemoteRefs } from '../gitRemote';
import { readOnboardingConfig } from '../onboardingConfig';
import {
  TEST_CLUSTERS,
  TEST_ADMIN_GROUPS,
  TEST_USERS,
  testPermissions,
  testUserInfo,
} from '../__testUtils__/accessDoubles';
import { createArgoCdAppAction } from './createArgoCdAppAction';
import { createCatalogRegisterAction } from './createCatalogRegisterAction';
import { createGitPublishAction } from './createGitPublishAction';
import { createPreflightAction } from './createPreflightAction';

jest.setTimeout(60_000);
const run = promisify(execFile);
const { barbara, grace, margaret } = TEST_USERS;

/** A logger that keeps every line, so tests can look for leaked secrets. */
function capturingLogger(
  lines: string[] = [],
): LoggerService & { lines: string[] } {
  const log = (level: string) => (message: string, meta?: unknown) => {
    lines.push(`${level} ${message} ${meta ? JSON.stringify(meta) : ''}`);
  };
  const logger: any = {
    lines,
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
  };
  logger.child = () => logger;
  return logger;
}

const group = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: {},
});
const system = (name: string, owner: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: { name, namespace: 'default' },
  spec: { owner },
});
const service = (
  name: string,
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', lifecycle: 'production', ...spec },
});

const entities: Entity[] = [
  group('team-payments'),
  group('team-storefront'),
  group('portolan-admins'),
  system('payments', 'group:default/team-payments'),
  system('storefront', 'group:default/team-storefront'),
  // No Argo CD project of this name exists yet: the first app creates it.
  system('ledgers', 'group:default/team-payments'),
  // A system whose name would be Argo CD's catch-all project and namespace.
  system('default', 'group:default/team-payments'),
  service(
    'checkout-service',
    { owner: 'group:default/team-payments', system: 'system:default/payments' },
    { 'backstage.io/kubernetes-namespace': 'payments' },
  ),
  service(
    'odd-service',
    { owner: 'team-payments', system: 'payments' },
    { 'backstage.io/kubernetes-namespace': 'Payments Team' },
  ),
  service(
    'sneaky-service',
    { owner: 'team-payments', system: 'payments' },
    { 'backstage.io/kubernetes-namespace': 'kube-system' },
  ),
  service('loose-service', { owner: 'team-payments' }),
  ...TEST_CLUSTERS,
];

describe('Git onboarding actions against the sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let argocd: ArgoCdClient[];
  let git: GitRemoteConfig;
  let clusterServers: Map<string, string>;
  const workspaces: string[] = [];
  const workspace = (files: Record<string, string> = {}) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-ws-'));
    workspaces.push(dir);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    }
    return dir;
  };
  // The sandbox keeps its Git repositories here, so a test can set a default branch.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-sandbox-'));
  const catalog = catalogServiceMock({ entities });
  const auth = mockServices.auth();
  const onboarding = (extra: object = {}) =>
    readOnboardingConfig(
      new ConfigReader({
        portolan: { permissions: { adminGroups: TEST_ADMIN_GROUPS }, ...extra },
      }),
    );
  const access = ServiceAccess.create({
    catalog,
    auth,
    permissions: testPermissions(entities),
    userInfo: testUserInfo(),
    config: onboarding(),
  });

  /**
   * An action context whose initiator is `user` (a ref) or the given
   * credentials (createMockActionContext always says user:default/mock).
   */
  const context = (
    input: object,
    user: string | BackstageCredentials = barbara,
  ) =>
    ({
      ...createMockActionContext({
        input,
        workspacePath: workspace(),
        logger: capturingLogger() as any,
      }),
      getInitiatorCredentials: async () =>
        typeof user === 'string' ? mockCredentials.user(user) : user,
    } as any);
  const gitAuth = () =>
    `Basic ${Buffer.from(`${git.username}:${git.password}`).toString(
      'base64',
    )}`;
  /**
   * A repository on the sandbox Git with one commit on each branch, HEAD
   * (its default branch) on the first, as a forge's settings would set it.
   */
  async function seedRepo(repo: string, branches: string[]) {
    const seed = workspace({ 'README.md': `# ${repo}\n` });
    const sh = (...args: string[]) =>
      run(
        'git',
        ['-c', 'user.name=Seed', '-c', 'user.email=seed@localhost', ...args],
        { cwd: seed },
      );
    await sh('init', '-q', '-b', branches[0]);
    await sh('add', '.');
    await sh('commit', '-q', '-m', 'seed');
    const remote = `${git.url}/${repo}.git`.replace(
      '://',
      `://${git.username}:${git.password}@`,
    );
    // Forced: the sandbox already holds a repository for each seeded
    // service (the compliance Git checks read them); this one replaces it.
    for (const b of branches)
      await sh('push', '-q', remote, `+HEAD:refs/heads/${b}`);
    await run('git', [
      '--git-dir',
      path.join(dataDir, 'git', `${repo}.git`),
      'symbolic-ref',
      'HEAD',
      `refs/heads/${branches[0]}`,
    ]);
  }
  const heads = async (repo: string) => {
    const { stdout } = await run('git', [
      'ls-remote',
      '--heads',
      `${git.url}/${repo}.git`.replace(
        '://',
        `://${git.username}:${git.password}@`,
      ),
    ]);
    return stdout;
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox({ dataDir });
    argocd = sandbox.info.argocd.map(a => new ArgoCdClient(a));
    git = {
      url: `${sandbox.info.git.url}/git`,
      username: sandbox.info.git.username,
      password: sandbox.info.git.password,
    };
    clusterServers = new Map(sandbox.info.kubernetes.map(k => [k.name, k.url]));
  });
  afterAll(async () => {
    await sandbox.stop();
    for (const dir of [...workspaces, dataDir])
      fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('argocd:app:create', () => {
    const input = () => ({
      instance: 'argocd-nonprod',
      service: 'ledger-api',
      environment: 'dev',
      owner: 'group:default/team-payments',
      system: 'system:default/ledgers',
      repoUrl: `${git.url}/ledger-api.git`,
      path: 'deploy/overlays/dev',
      targetRevision: 'main',
      cluster: 'dev',
    });
    const action = (over: object = {}) =>
      createArgoCdAppAction({
        argocd,
        clusterServers,
        catalog,
        auth,
        access,
        git,
        ...over,
      });
    const nonprod = () => argocd.find(c => c.name === 'argocd-nonprod')!;
    const prod = () => argocd.find(c => c.name === 'argocd-prod')!;

    it("creates the app in the service's namespace and system's project, which admits only the service's repo and clusters", async () => {
      const published: any[] = [];
      const first = context(input());
      await action({
        events: { publish: async (e: any) => void published.push(e) },
      }).handler(first);
      expect(first.output).toHaveBeenCalledWith('created', true);
      // The catalog's app index hears of it at once.
      expect(published).toEqual([
        {
          topic: 'portolan.argocd.applications',
          eventPayload: { instance: 'argocd-nonprod', name: 'ledger-api-dev' },
        },
      ]);
      const found = await nonprod().listApplications({
        selector: 'backstage.io/kubernetes-id=ledger-api',
      });
      expect(found.map(a => a.metadata.name)).toEqual(['ledger-api-dev']);
      expect(found[0].spec).toMatchObject({
        project: 'ledgers',
        destination: {
          server: clusterServers.get('dev'),
          namespace: 'ledgers',
        },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      });
      const project = (await nonprod().getProject('ledgers')) as any;
      expect(project.spec.sourceRepos).toEqual([`${git.url}/ledger-api.git`]);
      expect(project.spec.destinations).toEqual([
        { server: clusterServers.get('dev'), namespace: 'ledgers' },
      ]);

      // A re-run reports the app without duplicating it.
      const again = context(input());
      await action().handler(again);
      expect(again.output).toHaveBeenCalledWith('created', false);
      expect(
        await nonprod().listApplications({
          selector: 'backstage.io/kubernetes-id=ledger-api',
        }),
      ).toHaveLength(1);

      // A second cluster of the service: one more destination, nothing wider.
      await action().handler(
        context({
          ...input(),
          environment: 'staging',
          cluster: 'staging',
          path: 'deploy/overlays/staging',
        }),
      );
      const widened = (await nonprod().getProject('ledgers')) as any;
      expect(widened.spec.sourceRepos).toEqual([`${git.url}/ledger-api.git`]);
      expect(widened.spec.destinations).toEqual([
        { server: clusterServers.get('dev'), namespace: 'ledgers' },
        { server: clusterServers.get('staging'), namespace: 'ledgers' },
      ]);
    });

    it('creates nothing in a dry run', async () => {
      const ctx = {
        ...context({
          ...input(),
          service: 'dry-service',
          repoUrl: `${git.url}/dry-service.git`,
        }),
        isDryRun: true,
      };
      await action().handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith('appName', 'dry-service-dev');
      expect(await nonprod().getApplication('dry-service-dev')).toBeUndefined();
    });

    it('refuses a bad name, an unknown instance or cluster, and a different existing app', async () => {
      const attempt = (over: object) =>
        action().handler(context({ ...input(), ...over }));
      await expect(attempt({ service: 'Ledger API' })).rejects.toThrow(
        /Input 'service': 'Ledger API' contains spaces\n- Input 'service': .*upper case/,
      );
      await expect(attempt({ instance: 'argocd-mars' })).rejects.toThrow(
        /No Argo CD instance 'argocd-mars'/,
      );
      await expect(attempt({ cluster: 'moon' })).rejects.toThrow(
        /No cluster 'moon'/,
      );
      await expect(attempt({ path: 'deploy/other' })).rejects.toThrow(
        /already exists on argocd-nonprod with another source/,
      );
      await expect(attempt({ path: '../../etc' })).rejects.toThrow(
        /Input 'path': must stay inside the repository/,
      );
      await expect(attempt({ targetRevision: 'main..evil' })).rejects.toThrow(
        /Input 'targetRevision': must be HEAD or a valid branch name/,
      );
    });

    describe('refuses what the person running the template may not do, and creates nothing', () => {
      /** Runs the action as `user`; however it ends, no Argo CD application `name` may exist afterwards. */
      const createAs = async (
        over: object,
        user: string | BackstageCredentials,
        name = 'attack-dev',
      ) => {
        try {
          await action().handler(context({ ...input(), name, ...over }, user));
        } finally {
          for (const client of argocd)
            expect(await client.getApplication(name)).toBeUndefined();
        }
      };

      it("another team's service", async () => {
        await expect(
          createAs(
            {
              service: 'checkout-service',
              repoUrl: `${git.url}/checkout-service.git`,
            },
            grace,
          ),
        ).rejects.toMatchObject({
          name: 'NotAllowedError',
          message: expect.stringMatching(
            /you may not change component:default\/checkout-service; members of group:default\/team-payments or an admin group may/,
          ),
        });
      });

      it('a new service for an owner group the user is not in, or in a system they do not own', async () => {
        await expect(createAs({ service: 'grace-api' }, grace)).rejects.toThrow(
          /you are not a member of group:default\/team-payments, the owner you chose/,
        );
        await expect(
          createAs(
            {
              service: 'grace-api',
              owner: 'group:default/team-storefront',
              system: 'system:default/payments',
            },
            grace,
          ),
        ).rejects.toThrow(
          /you may not add services to system:default\/payments: its namespace and Argo CD project belong to group:default\/team-payments/,
        );
      });

      it('a reserved namespace: kube-system from the entity, default from the system', async () => {
        await expect(
          createAs(
            {
              service: 'sneaky-service',
              repoUrl: `${git.url}/sneaky-service.git`,
            },
            barbara,
          ),
        ).rejects.toThrow(
          /sneaky-service has an unusable backstage.io\/kubernetes-namespace: 'kube-system' is reserved/,
        );
        await expect(
          createAs(
            { service: 'defaulted-api', system: 'system:default/default' },
            barbara,
          ),
        ).rejects.toThrow(/namespace is unusable: 'default' is reserved/);
      });

      it("Argo CD's default project, or none", async () => {
        await expect(
          createAs(
            { service: 'defaulted-api', system: 'system:default/default' },
            barbara,
          ),
        ).rejects.toThrow(/'default' is Argo CD's catch-all project/);
        await expect(
          createAs(
            {
              service: 'loose-service',
              repoUrl: `${git.url}/loose-service.git`,
            },
            barbara,
          ),
        ).rejects.toThrow(/part of no system, so it has no Argo CD project/);
      });

      it('a repository that is not on the Portolan Git server', async () => {
        await expect(
          createAs(
            { repoUrl: 'https://github.com/evil/ledger-api.git' },
            barbara,
          ),
        ).rejects.toThrow(
          /Input 'repoUrl': 'https:\/\/github.com\/evil\/ledger-api.git' is not a repository on/,
        );
        await expect(
          createAs({ repoUrl: `${git.url}/../admin/secrets.git` }, barbara),
        ).rejects.toThrow(
          /names no usable repository: .*contains '\.\.' or '\/'/,
        );
        await expect(
          createAs(
            {
              repoUrl: `${git.url}/checkout-service.git`,
              service: 'grace-api',
              owner: 'group:default/team-storefront',
              system: 'system:default/storefront',
            },
            grace,
          ),
        ).rejects.toThrow(
          /repository 'checkout-service' is component:default\/checkout-service's, which you may not change/,
        );
      });

      it('a prod cluster under another environment name', async () => {
        await expect(createAs({ cluster: 'prod-eu' }, barbara)).rejects.toThrow(
          /Cluster: prod-eu serves 'prod', not 'dev'.*\n.*prod-eu is deployed to by 'argocd-prod', not 'argocd-nonprod'/,
        );
      });

      it('a protected environment, for a non-member the policy would let through', async () => {
        const lenient = ServiceAccess.create({
          catalog,
          auth,
          permissions: testPermissions(entities, { allowAll: true }),
          userInfo: testUserInfo(),
          config: onboarding(),
        });
        const lenientAction = createArgoCdAppAction({
          argocd,
          clusterServers,
          catalog,
          auth,
          access: lenient,
          git,
        });
        const attempt = (user: string, over: object) =>
          lenientAction.handler({
            ...context(
              {
                ...input(),
                service: 'checkout-service',
                repoUrl: `${git.url}/checkout-service.git`,
                name: 'attack-prod',
                ...over,
              },
              user,
            ),
            isDryRun: true,
          });
        await expect(
          attempt(grace, {
            instance: 'argocd-prod',
            environment: 'prod',
            cluster: 'prod-eu',
          }),
        ).rejects.toThrow(
          /prod is a protected environment: only members of group:default\/team-payments or an admin group may deploy there/,
        );
        // Elsewhere the policy decides.
        await expect(attempt(grace, {})).resolves.toBeUndefined();
        await expect(
          attempt(barbara, {
            instance: 'argocd-prod',
            environment: 'prod',
            cluster: 'prod-eu',
          }),
        ).resolves.toBeUndefined();
      });

      it('a task not started by a signed-in user', async () => {
        await expect(createAs({}, mockCredentials.service())).rejects.toThrow(
          /Git onboarding acts for a signed-in user/,
        );
      });
    });

    it('lets an admin act on any service; prod syncs by hand unless config says otherwise', async () => {
      const ctx = context(
        {
          ...input(),
          service: 'checkout-service',
          repoUrl: `${git.url}/checkout-service.git`,
          name: 'checkout-service-eu2',
          instance: 'argocd-prod',
          environment: 'prod',
          cluster: 'prod-eu',
          path: 'deploy/overlays/prod',
        },
        margaret,
      );
      await action().handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith('automated', false);
      const app = (await prod().getApplication('checkout-service-eu2'))!;
      expect(app.spec).toMatchObject({
        project: 'payments',
        destination: {
          namespace: 'payments',
          server: clusterServers.get('prod-eu'),
        },
      });
      expect((app.spec as any).syncPolicy?.automated).toBeUndefined();

      const manualDev = ServiceAccess.create({
        catalog,
        auth,
        permissions: testPermissions(entities),
        userInfo: testUserInfo(),
        config: onboarding({
          onboarding: { syncPolicy: { dev: { automated: false } } },
        }),
      });
      await createArgoCdAppAction({
        argocd,
        clusterServers,
        catalog,
        auth,
        access: manualDev,
        git,
      }).handler(
        context({
          ...input(),
          service: 'manual-api',
          repoUrl: `${git.url}/manual-api.git`,
        }),
      );
      expect(
        ((await nonprod().getApplication('manual-api-dev'))!.spec as any)
          .syncPolicy?.automated,
      ).toBeUndefined();
    });
  });

  describe('portolan:git:publish', () => {
    const action = () => createGitPublishAction({ git, access });
    const publish = (
      input: object,
      user: string = barbara,
      files: Record<string, string> = { a: 'b' },
    ) =>
      action().handler({
        ...context(
          {
            defaultBranch: 'main',
            commitMessage: 'x',
            owner: 'group:default/team-payments',
            ...input,
          },
          user,
        ),
        workspacePath: workspace(files),
      });

    it('pushes a new repository that clones, and never logs the password', async () => {
      const logger = capturingLogger();
      const ws = workspace({
        'catalog-info.yaml': 'kind: Component\n',
        'src/index.ts': 'export {};\n',
      });
      const ctx = {
        ...context({
          repo: 'ledger-api',
          owner: 'group:default/team-payments',
          defaultBranch: 'main',
          commitMessage: 'Initial commit',
        }),
        workspacePath: ws,
        logger,
      };
      await action().handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith(
        'remoteUrl',
        `${git.url}/ledger-api.git`,
      );
      const raw = await fetch(
        `${sandbox.info.git.url}/raw/ledger-api/main/catalog-info.yaml`,
      );
      expect(await raw.text()).toBe('kind: Component\n');
      const clone = workspace();
      const remote = git.url.replace(
        '://',
        `://${git.username}:${git.password}@`,
      );
      await run('git', [
        'clone',
        '-q',
        `${remote}/ledger-api.git`,
        path.join(clone, 'c'),
      ]);
      expect(fs.readFileSync(path.join(clone, 'c/src/index.ts'), 'utf8')).toBe(
        'export {};\n',
      );
      expect(logger.lines.join('\n')).toContain('created: repository');
      expect(logger.lines.join('\n')).not.toContain(git.password);
      expect(await readRemoteRefs(git, 'ledger-api')).toEqual({
        exists: true,
        defaultBranch: 'main',
        branches: ['main'],
      });

      // A second publish of the same name refuses instead of overwriting.
      await expect(publish({ repo: 'ledger-api' })).rejects.toThrow(
        /Repository 'ledger-api' already exists.*nothing was pushed/,
      );
    });

    it('pushes onboarding files to a new branch of an existing repository, on top of its default branch', async () => {
      await publish(
        {
          repo: 'ledger-api',
          branch: 'portolan-onboarding',
          commitMessage: 'Onboard to Portolan',
        },
        barbara,
        {
          'catalog-info.yaml':
            'kind: Component\nmetadata: {name: ledger-api}\n',
        },
      );
      const onBranch = await fetch(
        `${sandbox.info.git.url}/raw/ledger-api/portolan-onboarding/catalog-info.yaml`,
      );
      expect(await onBranch.text()).toContain('ledger-api');
      const kept = await fetch(
        `${sandbox.info.git.url}/raw/ledger-api/portolan-onboarding/src/index.ts`,
      );
      expect(kept.status).toBe(200);
      const main = await fetch(
        `${sandbox.info.git.url}/raw/ledger-api/main/catalog-info.yaml`,
      );
      expect(await main.text()).toBe('kind: Component\n');
    });

    it("never pushes to an existing repository's default branch, nor to a branch that exists", async () => {
      await seedRepo('trunk-repo', ['trunk', 'feature-x']);
      const before = await heads('trunk-repo');
      await expect(
        publish({ repo: 'trunk-repo', branch: 'main' }),
      ).rejects.toThrow(/Input 'branch': must not be main or master/);
      await expect(
        publish({ repo: 'trunk-repo', branch: 'master' }),
      ).rejects.toThrow(/Input 'branch': must not be main or master/);
      await expect(
        publish({ repo: 'trunk-repo', branch: 'trunk' }),
      ).rejects.toThrow(/'trunk' is the default branch of 'trunk-repo'/);
      await expect(
        publish({
          repo: 'trunk-repo',
          branch: 'release',
          defaultBranch: 'release',
        }),
      ).rejects.toThrow(/'release' is the default branch/);
      const existing = await publish({
        repo: 'trunk-repo',
        branch: 'feature-x',
      }).catch(e => e);
      expect(existing.name).toBe('ConflictError');
      expect(existing.message).toMatch(
        /Branch 'feature-x' already exists in 'trunk-repo'; nothing was pushed/,
      );
      await expect(publish({ repo: 'trunk-repo' })).rejects.toThrow(
        /already exists/,
      );
      expect(await heads('trunk-repo')).toBe(before);
    });

    it.each([
      ['feature..x', /not a valid Git branch name/],
      ['-rf', /not a valid Git branch name/],
      ['HEAD', /not a valid Git branch name/],
      ['a b', /not a valid Git branch name/],
      ['x.lock', /not a valid Git branch name/],
      ['refs/heads/@{u}', /not a valid Git branch name/],
      ['a'.repeat(101), /longer than 100/],
    ])('refuses the branch %p, naming the field', async (branch, message) => {
      await expect(publish({ repo: 'trunk-repo', branch })).rejects.toThrow(
        new RegExp(`Input 'branch': .*${message.source}`),
      );
    });

    it("refuses another team's repository and service, and pushes nothing", async () => {
      await seedRepo('checkout-service', ['main']);
      const before = await heads('checkout-service');
      await expect(
        publish(
          {
            repo: 'checkout-service',
            service: 'grace-api',
            owner: 'group:default/team-storefront',
            system: 'system:default/storefront',
            branch: 'grace',
          },
          grace,
        ),
      ).rejects.toThrow(
        /repository 'checkout-service' is component:default\/checkout-service's, which you may not change/,
      );
      await expect(
        publish({ repo: 'checkout-service', branch: 'grace' }, grace),
      ).rejects.toThrow(
        /you may not change component:default\/checkout-service/,
      );
      await expect(
        publish(
          { repo: 'grace-new', owner: 'group:default/team-payments' },
          grace,
        ),
      ).rejects.toThrow(/not a member of group:default\/team-payments/);
      expect(await heads('checkout-service')).toBe(before);
      expect(await readRemoteRefs(git, 'grace-new')).toEqual({
        exists: false,
        branches: [],
      });
      // Its owners may.
      await publish(
        { repo: 'checkout-service', branch: 'portolan-add-qa' },
        barbara,
      );
      expect(
        (await readRemoteRefs(git, 'checkout-service')).branches.sort(),
      ).toEqual(['main', 'portolan-add-qa']);
    });

    it('never leaves the workspace and creates nothing in a dry run', async () => {
      for (const sourcePath of ['../outside', '/etc', 'a/../../b']) {
        await expect(publish({ repo: 'escape', sourcePath })).rejects.toThrow(
          /must be a relative path inside the workspace/,
        );
      }
      const dry = {
        ...context({
          repo: 'dry-repo',
          owner: 'group:default/team-payments',
          defaultBranch: 'main',
          commitMessage: 'x',
        }),
        isDryRun: true,
      };
      await action().handler(dry);
      expect(
        (
          await fetch(
            `${git.url}/dry-repo.git/info/refs?service=git-upload-pack`,
            { headers: { Authorization: gitAuth() } },
          )
        ).status,
      ).toBe(404);
    });
  });

  describe('portolan:preflight', () => {
    const action = () =>
      createPreflightAction({ catalog, argocd, git, access });
    const check = (input: object, user: string = TEST_USERS.mock) =>
      action().handler(
        context(
          { newEntity: true, apps: [], environments: [], ...input },
          user,
        ),
      );

    it('passes for a free name with an existing owner, and says where each environment deploys', async () => {
      const ctx = context({
        newEntity: true,
        apps: [],
        name: 'fresh-service',
        owner: 'group:default/team-payments',
        system: 'system:default/payments',
        repo: 'fresh-service',
        environments: ['dev', 'prod'],
      });
      await action().handler(ctx);
      expect(ctx.output).toHaveBeenCalledWith('targets', [
        {
          environment: 'dev',
          cluster: 'dev',
          instance: 'argocd-nonprod',
          app: 'fresh-service-dev',
        },
        {
          environment: 'prod',
          cluster: 'prod-eu',
          instance: 'argocd-prod',
          app: 'fresh-service-prod',
        },
      ]);
      expect(ctx.output).toHaveBeenCalledWith('namespace', 'payments');
      expect(ctx.output).toHaveBeenCalledWith('project', 'payments');
      await expect(
        check({
          name: 'fresh-service',
          owner: 'group:default/team-payments',
          environments: ['moon'],
        }),
      ).rejects.toThrow(/no cluster in the catalog serves 'moon'/);
    });

    it('lists every problem at once, before anything is created', async () => {
      const error = await check({
        name: 'checkout-service',
        owner: 'group:default/nobody',
        repo: 'ledger-api',
        apps: [{ instance: 'argocd-nonprod', name: 'ledger-api-dev' }],
      }).catch(e => e);
      expect(error.message).toContain(
        'component:default/checkout-service is already in the catalog',
      );
      expect(error.message).toContain("'group:default/nobody' is not a group");
      expect(error.message).toContain("'ledger-api' already exists");
      expect(error.message).toContain(
        "app 'ledger-api-dev' already exists on argocd-nonprod",
      );
    });

    it.each([
      ['My Service', /contains spaces/],
      ['MyService', /upper case/],
      ['a'.repeat(64), /longer than 63/],
      ['../etc', /contains '\.\.' or '\/'/],
      ['team/service', /contains '\.\.' or '\/'/],
    ])('refuses the name %p', async (name, message) => {
      await expect(
        check({ name, owner: 'group:default/team-payments' }),
      ).rejects.toThrow(message);
    });

    it('refuses an existing service whose namespace annotation Kubernetes would not accept', async () => {
      await expect(
        check({ name: 'odd-service', newEntity: false }),
      ).rejects.toThrow(
        /component:default\/odd-service has an unusable backstage.io\/kubernetes-namespace: 'Payments Team' contains spaces/,
      );
    });

    it("refuses adding an environment to another team's service; its owners and admins pass", async () => {
      const denied = await check(
        {
          name: 'checkout-service',
          newEntity: false,
          existingRepo: 'checkout-service',
          environments: ['staging'],
        },
        grace,
      ).catch(e => e);
      expect(denied.name).toBe('NotAllowedError');
      expect(denied.message).toMatch(
        /you may not change component:default\/checkout-service/,
      );
      for (const user of [barbara, margaret]) {
        const ctx = context(
          {
            name: 'checkout-service',
            newEntity: false,
            apps: [],
            existingRepo: 'checkout-service',
            branch: 'portolan-add-staging',
            environments: [],
          },
          user,
        );
        await action().handler(ctx);
        expect(ctx.output).toHaveBeenCalledWith('namespace', 'payments');
        expect(ctx.output).toHaveBeenCalledWith('project', 'payments');
      }
    });

    it('refuses a new service for an owner group the user is not in, and prod for a non-member', async () => {
      await expect(
        check(
          {
            name: 'grace-api',
            owner: 'group:default/team-payments',
            system: 'system:default/payments',
          },
          grace,
        ),
      ).rejects.toThrow(
        /you are not a member of group:default\/team-payments, the owner you chose/,
      );
      await expect(
        check(
          {
            name: 'grace-api',
            owner: 'group:default/team-storefront',
            system: 'system:default/storefront',
            environments: ['prod'],
          },
          grace,
        ),
      ).resolves.toBeUndefined();
    });

    it('refuses an onboarding branch that exists, or is the default branch', async () => {
      await expect(
        check({
          name: 'trunk-service',
          owner: 'group:default/team-payments',
          existingRepo: 'trunk-repo',
          branch: 'feature-x',
        }),
      ).rejects.toThrow(/Branch: 'feature-x' already exists in 'trunk-repo'/);
      await expect(
        check({
          name: 'trunk-service',
          owner: 'group:default/team-payments',
          existingRepo: 'trunk-repo',
          branch: 'trunk',
        }),
      ).rejects.toThrow(
        /Branch: 'trunk' is the default branch of 'trunk-repo'/,
      );
      await expect(
        check({
          name: 'trunk-service',
          owner: 'group:default/team-payments',
          existingRepo: 'trunk-repo',
          branch: 'master',
        }),
      ).rejects.toThrow(/Input 'branch': must not be main or master/);
    });
  });

  describe('portolan:catalog:register', () => {
    const url = () =>
      `${sandbox.info.git.url}/raw/ledger-api/main/catalog-info.yaml`;
    const register = (
      previewed: Entity[],
      input: object = {},
      user: string = barbara,
    ) => {
      const addLocation = jest.fn(async (location: { dryRun?: boolean }) => ({
        location: { id: 'x', type: 'url', target: url() },
        // As the catalog answers a dry run: its wrapper Location, then the file's entities.
        entities: location.dryRun
          ? [
              {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Location',
                metadata: {
                  name: locationSpecToMetadataName({
                    type: 'url',
                    target: url(),
                  }),
                  namespace: 'default',
                },
                spec: { type: 'url', target: url() },
              },
              ...previewed,
            ]
          : [],
        exists: false,
      }));
      const fake = Object.assign(Object.create(catalog), { addLocation });
      const action = createCatalogRegisterAction({
        catalog: fake,
        auth,
        access,
        git,
      });
      const ctx = context(
        {
          catalogInfoUrl: url(),
          service: 'ledger-api',
          owner: 'group:default/team-payments',
          system: 'system:default/ledgers',
          ...input,
        },
        user,
      );
      return { addLocation, ctx, result: action.handler(ctx) };
    };
    const ledgerApi = (spec: object = {}) =>
      service('ledger-api', {
        owner: 'group:default/team-payments',
        system: 'system:default/ledgers',
        ...spec,
      });

    it("registers the new service's file with the module's own credentials, for its owners", async () => {
      const { addLocation, ctx, result } = register([ledgerApi()]);
      await result;
      expect(addLocation).toHaveBeenCalledTimes(2);
      expect(addLocation.mock.calls[1][0]).toEqual({
        type: 'url',
        target: url(),
      });
      expect(
        (addLocation.mock.calls[1] as any)[1].credentials.principal.type,
      ).toBe('service');
      expect(ctx.output).toHaveBeenCalledWith(
        'entityRef',
        'component:default/ledger-api',
      );
    });

    it.each([
      [
        'another owner',
        [ledgerApi({ owner: 'group:default/team-storefront' })],
        /its owner is group:default\/team-storefront, not group:default\/team-payments/,
      ],
      [
        'a group besides the service',
        [ledgerApi(), group('admins-too')],
        /holds 2 entities/,
      ],
      [
        'another service',
        [
          service('checkout-service', {
            owner: 'group:default/team-payments',
            system: 'system:default/ledgers',
          }),
        ],
        /component:default\/checkout-service is not component:default\/ledger-api/,
      ],
    ])('refuses a file with %s', async (_what, previewed, message) => {
      const { addLocation, result } = register(previewed);
      await expect(result).rejects.toThrow(message);
      expect(addLocation).toHaveBeenCalledTimes(1);
      expect(addLocation.mock.calls[0][0]).toMatchObject({ dryRun: true });
    });

    it('refuses a non-member, an existing service and a file elsewhere before reading anything', async () => {
      for (const [input, user, message] of [
        [{}, grace, /not a member of group:default\/team-payments/],
        [
          { service: 'checkout-service' },
          barbara,
          /component:default\/checkout-service is already in the catalog/,
        ],
        [
          { catalogInfoUrl: 'https://evil.example/catalog-info.yaml' },
          barbara,
          /is not a catalog-info.yaml on/,
        ],
      ] as const) {
        const { addLocation, result } = register([ledgerApi()], input, user);
        await expect(result).rejects.toThrow(message);
        expect(addLocation).not.toHaveBeenCalled();
      }
    });
  });
});
