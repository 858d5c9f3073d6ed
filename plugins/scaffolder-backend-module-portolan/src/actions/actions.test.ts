import { LoggerService } from '@backstage/backend-plugin-api';
import { mockCredentials } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { ArgoCdClient } from '@portolan/argocd-node';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GitRemoteConfig } from '../gitRemote';
import { createArgoCdAppAction } from './createArgoCdAppAction';
import { createGitPublishAction } from './createGitPublishAction';
import { createPreflightAction } from './createPreflightAction';

jest.setTimeout(60_000);
const run = promisify(execFile);

/** A logger that keeps every line, so tests can look for leaked secrets. */
function capturingLogger(lines: string[] = []): LoggerService & { lines: string[] } {
  const log = (level: string) => (message: string, meta?: unknown) => {
    lines.push(`${level} ${message} ${meta ? JSON.stringify(meta) : ''}`);
  };
  const logger: any = { lines, error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
  logger.child = () => logger;
  return logger;
}

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
  const catalog = catalogServiceMock({
    entities: [
      { apiVersion: 'backstage.io/v1alpha1', kind: 'Group', metadata: { name: 'team-payments', namespace: 'default' }, spec: {} },
      { apiVersion: 'backstage.io/v1alpha1', kind: 'System', metadata: { name: 'payments', namespace: 'default' }, spec: {} },
      { apiVersion: 'backstage.io/v1alpha1', kind: 'Component', metadata: { name: 'checkout-service', namespace: 'default' }, spec: {} },
      {
        apiVersion: 'backstage.io/v1alpha1', kind: 'Component',
        metadata: { name: 'odd-service', namespace: 'default', annotations: { 'backstage.io/kubernetes-namespace': 'Payments Team' } },
        spec: { system: 'payments' },
      },
      ...[['dev', 'dev', 'argocd-nonprod'], ['staging', 'staging', 'argocd-nonprod'], ['prod-eu', 'prod', 'argocd-prod']].map(([name, env, instance]) => ({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Resource',
        metadata: { name, namespace: 'default', annotations: { 'portolan.dev/environment': env, 'portolan.dev/argocd-instance': instance } },
        spec: { type: 'kubernetes-cluster', owner: 'team-platform' },
      })),
    ],
  });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    argocd = sandbox.info.argocd.map(a => new ArgoCdClient(a));
    git = { url: `${sandbox.info.git.url}/git`, username: sandbox.info.git.username, password: sandbox.info.git.password };
    clusterServers = new Map(sandbox.info.kubernetes.map(k => [k.name, k.url]));
  });
  afterAll(async () => {
    await sandbox.stop();
    for (const dir of workspaces) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('argocd:app:create', () => {
    const input = {
      instance: 'argocd-nonprod',
      service: 'ledger-api',
      environment: 'dev',
      project: 'payments',
      repoUrl: 'http://git.example/ledger-api.git',
      path: 'deploy/overlays/dev',
      targetRevision: 'main',
      cluster: 'dev',
      namespace: 'payments',
    };

    it('creates the app, labelled for the service selector, and a re-run reports it without duplicating', async () => {
      const published: any[] = [];
      const action = createArgoCdAppAction({ argocd, clusterServers, events: { publish: async e => void published.push(e) } });
      const first = createMockActionContext({ input, workspacePath: workspace(), logger: capturingLogger() as any });
      await action.handler(first as any);
      expect(first.output).toHaveBeenCalledWith('created', true);
      // The catalog's app index hears of it at once.
      expect(published).toEqual([
        { topic: 'portolan.argocd.applications', eventPayload: { instance: 'argocd-nonprod', name: 'ledger-api-dev' } },
      ]);
      const client = argocd.find(c => c.name === 'argocd-nonprod')!;
      const found = await client.listApplications({ selector: 'backstage.io/kubernetes-id=ledger-api' });
      expect(found.map(a => a.metadata.name)).toEqual(['ledger-api-dev']);
      expect(found[0].spec.destination.server).toBe(clusterServers.get('dev'));

      const again = createMockActionContext({ input, workspacePath: workspace() });
      await action.handler(again as any);
      expect(again.output).toHaveBeenCalledWith('created', false);
      expect(published).toHaveLength(1);
      expect(await client.listApplications({ selector: 'backstage.io/kubernetes-id=ledger-api' })).toHaveLength(1);
    });

    it('creates nothing in a dry run', async () => {
      const action = createArgoCdAppAction({ argocd, clusterServers });
      const ctx = { ...createMockActionContext({ input: { ...input, service: 'dry-service' }, workspacePath: workspace() }), isDryRun: true };
      await action.handler(ctx as any);
      expect(ctx.output).toHaveBeenCalledWith('appName', 'dry-service-dev');
      expect(await argocd[0].getApplication('dry-service-dev')).toBeUndefined();
    });

    it('refuses a bad name, an unknown instance or cluster, and a different existing app', async () => {
      const action = createArgoCdAppAction({ argocd, clusterServers });
      const attempt = (over: object) =>
        action.handler(createMockActionContext({ input: { ...input, ...over }, workspacePath: workspace() }) as any);
      await expect(attempt({ service: 'Ledger API' })).rejects.toThrow(/contains spaces.*upper case/);
      await expect(attempt({ instance: 'argocd-mars' })).rejects.toThrow(/No Argo CD instance 'argocd-mars'/);
      await expect(attempt({ cluster: 'moon' })).rejects.toThrow(/No cluster 'moon'/);
      await expect(attempt({ path: 'deploy/other' })).rejects.toThrow(/already exists on argocd-nonprod with another source/);
    });
  });

  describe('portolan:git:publish', () => {
    it('pushes a new repository that clones, and never logs the password', async () => {
      const action = createGitPublishAction({ git });
      const logger = capturingLogger();
      const ws = workspace({ 'catalog-info.yaml': 'kind: Component\n', 'src/index.ts': 'export {};\n' });
      const ctx = createMockActionContext({ input: { repo: 'ledger-api', defaultBranch: 'main', commitMessage: 'Initial commit' }, workspacePath: ws, logger: logger as any });
      await action.handler(ctx as any);
      expect(ctx.output).toHaveBeenCalledWith('remoteUrl', `${git.url}/ledger-api.git`);
      const raw = await fetch(`${sandbox.info.git.url}/raw/ledger-api/main/catalog-info.yaml`);
      expect(await raw.text()).toBe('kind: Component\n');
      const clone = workspace();
      const remote = git.url.replace('://', `://${git.username}:${git.password}@`);
      await run('git', ['clone', '-q', `${remote}/ledger-api.git`, path.join(clone, 'c')]);
      expect(fs.readFileSync(path.join(clone, 'c/src/index.ts'), 'utf8')).toBe('export {};\n');
      expect(logger.lines.join('\n')).toContain('created: repository');
      expect(logger.lines.join('\n')).not.toContain(git.password);

      // A second publish of the same name refuses instead of overwriting.
      await expect(
        action.handler(createMockActionContext({ input: { repo: 'ledger-api', defaultBranch: 'main', commitMessage: 'x' }, workspacePath: workspace({ a: 'b' }) }) as any),
      ).rejects.toThrow(/already exists/);
    });

    it('pushes onboarding files to a new branch of an existing repository', async () => {
      const action = createGitPublishAction({ git });
      const ws = workspace({ 'catalog-info.yaml': 'kind: Component\nmetadata: {name: ledger-api}\n' });
      await action.handler(
        createMockActionContext({
          input: { repo: 'ledger-api', branch: 'portolan-onboarding', defaultBranch: 'main', commitMessage: 'Onboard to Portolan' },
          workspacePath: ws,
        }) as any,
      );
      const onBranch = await fetch(`${sandbox.info.git.url}/raw/ledger-api/portolan-onboarding/catalog-info.yaml`);
      expect(await onBranch.text()).toContain('ledger-api');
      const kept = await fetch(`${sandbox.info.git.url}/raw/ledger-api/portolan-onboarding/src/index.ts`);
      expect(kept.status).toBe(200);
      const main = await fetch(`${sandbox.info.git.url}/raw/ledger-api/main/catalog-info.yaml`);
      expect(await main.text()).toBe('kind: Component\n');
    });

    it('never leaves the workspace and creates nothing in a dry run', async () => {
      const action = createGitPublishAction({ git });
      for (const sourcePath of ['../outside', '/etc', 'a/../../b']) {
        await expect(
          action.handler(createMockActionContext({ input: { repo: 'escape', sourcePath, defaultBranch: 'main', commitMessage: 'x' }, workspacePath: workspace() }) as any),
        ).rejects.toThrow(/must be a relative path inside the workspace/);
      }
      const dry = { ...createMockActionContext({ input: { repo: 'dry-repo', defaultBranch: 'main', commitMessage: 'x' }, workspacePath: workspace({ a: 'b' }) }), isDryRun: true };
      await action.handler(dry as any);
      expect((await fetch(`${git.url}/dry-repo.git/info/refs?service=git-upload-pack`, { headers: { Authorization: `Basic ${Buffer.from(`${git.username}:${git.password}`).toString('base64')}` } })).status).toBe(404);
    });
  });

  describe('portolan:preflight', () => {
    const action = () => createPreflightAction({ catalog, argocd, git });
    const check = (input: object) =>
      action().handler(
        createMockActionContext({
          input: { newEntity: true, apps: [], environments: [], ...input },
          workspacePath: workspace(),
          getInitiatorCredentials: async () => mockCredentials.user(),
        } as any) as any,
      );

    it('passes for a free name with an existing owner, and says where each environment deploys', async () => {
      const ctx = createMockActionContext({
        input: { newEntity: true, apps: [], name: 'fresh-service', owner: 'group:default/team-payments', system: 'system:default/payments', repo: 'fresh-service', environments: ['dev', 'prod'] },
        workspacePath: workspace(),
        getInitiatorCredentials: async () => mockCredentials.user(),
      } as any);
      await action().handler(ctx as any);
      expect(ctx.output).toHaveBeenCalledWith('targets', [
        { environment: 'dev', cluster: 'dev', instance: 'argocd-nonprod', app: 'fresh-service-dev' },
        { environment: 'prod', cluster: 'prod-eu', instance: 'argocd-prod', app: 'fresh-service-prod' },
      ]);
      await expect(check({ name: 'fresh-service', owner: 'group:default/team-payments', environments: ['moon'] })).rejects.toThrow(
        /no cluster in the catalog serves 'moon'/,
      );
    });

    it('lists every problem at once, before anything is created', async () => {
      const error = await check({
        name: 'checkout-service',
        owner: 'group:default/nobody',
        repo: 'ledger-api',
        apps: [{ instance: 'argocd-nonprod', name: 'ledger-api-dev' }],
      }).catch(e => e);
      expect(error.message).toContain('component:default/checkout-service is already in the catalog');
      expect(error.message).toContain("'group:default/nobody' is not a group");
      expect(error.message).toContain("'ledger-api' already exists");
      expect(error.message).toContain("app 'ledger-api-dev' already exists on argocd-nonprod");
    });

    it.each([
      ['My Service', /contains spaces/],
      ['MyService', /upper case/],
      ['a'.repeat(64), /longer than 63/],
      ['../etc', /contains '\.\.' or '\/'/],
      ['team/service', /contains '\.\.' or '\/'/],
    ])('refuses the name %p', async (name, message) => {
      await expect(check({ name, owner: 'group:default/team-payments' })).rejects.toThrow(message);
    });

    it("refuses an existing service whose namespace annotation Kubernetes would not accept", async () => {
      await expect(check({ name: 'odd-service', newEntity: false })).rejects.toThrow(
        /component:default\/odd-service has an unusable backstage.io\/kubernetes-namespace: 'Payments Team' contains spaces/,
      );
    });
  });
});
