import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import YAML from 'yaml';
import { scaffolderModulePortolan } from './module';
import { SERVICE_NAME_PATTERN } from './names';
import {
  TEST_CLUSTERS,
  accessDoubleFactories,
  TEST_ADMIN_GROUPS,
  TEST_USERS,
} from './__testUtils__/accessDoubles';

jest.setTimeout(120_000);
const run = promisify(execFile);

const templatesDir = path.resolve(__dirname, '../../../templates');
const templateFiles = fs
  .readdirSync(templatesDir)
  .filter(f => f.endsWith('.yaml'))
  .sort();
const load = (file: string) =>
  YAML.parse(fs.readFileSync(path.join(templatesDir, file), 'utf8'));

/** Every file of the templates directory, as the dry-run API takes them. */
function directoryContents(
  dir = templatesDir,
  base = '',
): Array<{ path: string; base64Content: string }> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const rel = path.posix.join(base, entry.name);
    const full = path.join(dir, entry.name);
    return entry.isDirectory()
      ? directoryContents(full, rel)
      : [
          {
            path: rel,
            base64Content: fs.readFileSync(full).toString('base64'),
          },
        ];
  });
}

/** A template as the catalog holds it, so real runs can reference it. */
const templateEntity = (file: string) => {
  const template = load(file);
  return {
    ...template,
    metadata: {
      ...template.metadata,
      namespace: 'default',
      annotations: {
        'backstage.io/managed-by-location': `file:${path.join(
          templatesDir,
          file,
        )}`,
      },
    },
  };
};

const catalogEntities = [
  templateEntity('new-typescript-service.yaml'),
  templateEntity('add-environment.yaml'),
  ...['team-payments', 'team-storefront', 'portolan-admins'].map(name => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [] },
  })),
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'System',
    metadata: { name: 'payments', namespace: 'default' },
    spec: { owner: 'team-payments' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'checkout-service', namespace: 'default' },
    spec: { type: 'service', owner: 'team-payments', lifecycle: 'production' },
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'ledger-core',
      namespace: 'default',
      annotations: { 'backstage.io/kubernetes-namespace': 'payments' },
    },
    spec: {
      type: 'service',
      owner: 'team-payments',
      lifecycle: 'experimental',
      system: 'payments',
    },
  },
  ...TEST_CLUSTERS,
];

const values: Record<string, object> = {
  'new-typescript-service.yaml': {
    name: 'ledger-service',
    owner: 'group:default/team-payments',
    system: 'system:default/payments',
    description: 'Keeps the ledger',
    environments: ['dev', 'prod'],
  },
  'onboard-existing-repository.yaml': {
    repo: 'legacy-billing',
    name: 'legacy-billing',
    owner: 'group:default/team-payments',
    system: 'system:default/payments',
    description: 'Bills, the old way',
    environments: ['dev'],
  },
  'add-environment.yaml': {
    service: 'component:default/ledger-core',
    environment: 'staging',
  },
};

describe('templates', () => {
  it.each(templateFiles)(
    '%s is a valid template using only known actions and safe names',
    async file => {
      const template = load(file);
      expect(await templateEntityV1beta3Validator.check(template)).toBe(true);
      const known = new Set([
        'fetch:template',
        'portolan:catalog:register',
        'portolan:preflight',
        'portolan:git:publish',
        'argocd:app:create',
      ]);
      for (const step of template.spec.steps)
        expect(known).toContain(step.action);
      const named = [template.spec.parameters]
        .flat()
        .flatMap(p => Object.entries<any>(p.properties ?? {}))
        .filter(([key]) => key === 'name' || key === 'repo');
      for (const [, schema] of named) {
        expect(schema.pattern).toBe(SERVICE_NAME_PATTERN);
        expect(schema.maxLength).toBe(63);
      }
    },
  );

  describe('dry runs through the scaffolder API, against the sandbox', () => {
    let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
    let server: any;
    let stop: () => Promise<void>;

    beforeAll(async () => {
      sandbox = await startTestSandbox();
      // The onboarding template needs an existing repository; add-environment
      // a service's, with overlays for dev and prod but not staging.
      await fetch(`${sandbox.info.git.url}/api/repos`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(
            `${sandbox.info.git.username}:${sandbox.info.git.password}`,
          ).toString('base64')}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ name: 'legacy-billing' }),
      });
      const seed = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-core-'));
      for (const env of ['dev', 'prod']) {
        fs.mkdirSync(path.join(seed, 'deploy/overlays', env), {
          recursive: true,
        });
        fs.writeFileSync(
          path.join(seed, 'deploy/overlays', env, 'kustomization.yaml'),
          `# ${env} overlay, hand-written\n`,
        );
      }
      const remote = `${sandbox.info.git.url}/git/ledger-core.git`.replace(
        '://',
        `://${sandbox.info.git.username}:${sandbox.info.git.password}@`,
      );
      const git = (...args: string[]) =>
        run(
          'git',
          ['-c', 'user.name=Seed', '-c', 'user.email=seed@localhost', ...args],
          { cwd: seed },
        );
      await git('init', '-q', '-b', 'main');
      await git('add', '.');
      await git('commit', '-q', '-m', 'seed');
      await git('push', '-q', remote, 'main');
      fs.rmSync(seed, { recursive: true, force: true });
      const backend = await startTestBackend({
        features: [
          scaffolderPlugin,
          scaffolderModulePortolan,
          catalogServiceMock.factory({ entities: catalogEntities as any }),
          // The initiator's groups and Portolan's policy for portolan.service.update.
          ...accessDoubleFactories(catalogEntities as any),
          mockServices.rootConfig.factory({
            data: {
              backend: { baseUrl: 'http://localhost:7007' },
              argocd: {
                appLocatorMethods: [
                  {
                    type: 'config',
                    instances: sandbox.info.argocd.map(a => ({
                      name: a.name,
                      url: a.url,
                      username: a.username,
                      password: a.password,
                    })),
                  },
                ],
              },
              kubernetes: {
                clusterLocatorMethods: [
                  {
                    type: 'config',
                    clusters: sandbox.info.kubernetes.map(k => ({
                      name: k.name,
                      url: k.url,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: k.token,
                    })),
                  },
                ],
              },
              portolan: {
                git: {
                  url: `${sandbox.info.git.url}/git`,
                  username: sandbox.info.git.username,
                  password: sandbox.info.git.password,
                },
                permissions: { adminGroups: TEST_ADMIN_GROUPS },
              },
            },
          }),
        ],
      });
      server = backend.server;
      stop = () => backend.stop();
    });
    afterAll(async () => {
      await stop?.();
      await sandbox?.stop();
    });

    const secret = 'hunter2-do-not-log';
    const dryRun = (file: string) =>
      request(server)
        .post('/api/scaffolder/v2/dry-run')
        .set('Authorization', mockCredentials.user.header())
        .send({
          template: load(file),
          values: values[file],
          secrets: { apiToken: secret },
          directoryContents: directoryContents(),
        });

    it.each(templateFiles)(
      '%s dry-runs, creating nothing and echoing no secret',
      async file => {
        const res = await dryRun(file);
        expect(res.body.errors ?? res.body.error).toBeUndefined();
        expect(res.status).toBe(200);
        const log = res.body.log.map((l: any) => l.body.message).join('\n');
        expect(log).not.toMatch(/failed/i);
        expect(JSON.stringify(res.body)).not.toContain(secret);
        expect(JSON.stringify(res.body)).not.toContain(
          sandbox.info.git.password,
        );
      },
    );

    it('new-typescript-service.yaml dry-runs to a whole service in its namespace, and nothing real happens', async () => {
      const res = await dryRun('new-typescript-service.yaml');
      const names = res.body.directoryContents.map((f: any) => f.path);
      expect(names).toEqual(
        expect.arrayContaining([
          'catalog-info.yaml',
          'src/server.ts',
          'deploy/base/rollout.yaml',
          '.github/workflows/ci.yaml',
          'bitbucket-pipelines.yml',
          'Dockerfile',
        ]),
      );
      const info = YAML.parse(
        Buffer.from(
          res.body.directoryContents.find(
            (f: any) => f.path === 'catalog-info.yaml',
          ).base64Content,
          'base64',
        ).toString(),
      );
      expect(info.metadata.annotations).toEqual({
        'argocd/app-selector': 'backstage.io/kubernetes-id=ledger-service',
        'backstage.io/kubernetes-id': 'ledger-service',
        'backstage.io/kubernetes-namespace': 'payments',
      });
      expect(info.spec.dependsOn).toEqual([
        'resource:default/dev',
        'resource:default/prod-eu',
      ]);
      // Nothing real happened: no app, no repository. (Argo CD answers 403,
      // not 404, for an app that does not exist: list instead.)
      const argo = sandbox.info.argocd.find(a => a.name === 'argocd-nonprod')!;
      const apps = await fetch(
        `${argo.url}/api/v1/applications?selector=backstage.io/kubernetes-id%3Dledger-service`,
        { headers: { Authorization: `Bearer ${argo.token}` } },
      );
      expect((await apps.json()).items ?? []).toEqual([]);
      const repo = await fetch(
        `${sandbox.info.git.url}/git/ledger-service.git/info/refs?service=git-upload-pack`,
        {
          headers: {
            Authorization: `Basic ${Buffer.from(
              `${sandbox.info.git.username}:${sandbox.info.git.password}`,
            ).toString('base64')}`,
          },
        },
      );
      expect(repo.status).toBe(404);
    });

    /** Runs a template for real; its final status, its events and its output. */
    async function runTemplate(
      template: string,
      taskValues: object,
      secrets?: Record<string, string>,
      user: string = TEST_USERS.mock,
    ) {
      const auth = mockCredentials.user.header(user);
      const created = await request(server)
        .post('/api/scaffolder/v2/tasks')
        .set('Authorization', auth)
        .send({
          templateRef: `template:default/${template}`,
          values: taskValues,
          secrets,
        });
      expect(created.status).toBe(201);
      let task: any;
      for (let i = 0; i < 200; i++) {
        task = (
          await request(server)
            .get(`/api/scaffolder/v2/tasks/${created.body.id}`)
            .set('Authorization', auth)
        ).body;
        if (task.status === 'failed' || task.status === 'completed') break;
        await new Promise(r => setTimeout(r, 100));
      }
      const events = await request(server)
        .get(`/api/scaffolder/v2/tasks/${created.body.id}/events`)
        .set('Authorization', auth);
      const body = events.body as any[];
      const completion = body.find(e => e.type === 'completion');
      return {
        status: task.status as string,
        events: body,
        output: completion?.body?.output,
      };
    }
    const runNewService = (
      taskValues: object,
      secrets?: Record<string, string>,
      user?: string,
    ) => runTemplate('new-typescript-service', taskValues, secrets, user);

    it('a real run that fails pre-flight creates nothing, says why, and logs no secret', async () => {
      const { status, events } = await runNewService(
        {
          ...values['new-typescript-service.yaml'],
          name: 'orphan-service',
          owner: 'group:default/nobody',
        },
        { apiToken: secret },
      );
      expect(status).toBe('failed');
      const log = JSON.stringify(events);
      expect(log).toContain(
        "'group:default/nobody' is not a group in the catalog",
      );
      expect(log).not.toContain(secret);
      expect(log).not.toContain(sandbox.info.git.password);
      // Nothing was created: no repository, no Argo CD app.
      const auth = `Basic ${Buffer.from(
        `${sandbox.info.git.username}:${sandbox.info.git.password}`,
      ).toString('base64')}`;
      const repo = await fetch(
        `${sandbox.info.git.url}/git/orphan-service.git/info/refs?service=git-upload-pack`,
        { headers: { Authorization: auth } },
      );
      expect(repo.status).toBe(404);
      for (const argo of sandbox.info.argocd) {
        const app = await fetch(
          `${argo.url}/api/v1/applications?selector=backstage.io/kubernetes-id%3Dorphan-service`,
          { headers: { Authorization: `Bearer ${argo.token}` } },
        );
        expect((await app.json()).items ?? []).toEqual([]);
      }
    });

    it('a real run failing at its last step leaves a log naming everything it created', async () => {
      // This test backend's catalog cannot add locations: registration, the
      // last step, fails after the repository and the apps exist.
      const { status, events } = await runNewService({
        ...values['new-typescript-service.yaml'],
        name: 'late-failure-service',
        environments: ['dev', 'staging'],
      });
      expect(status).toBe('failed');
      const log = events.map(e => e.body?.message ?? '').join('\n');
      expect(log).toMatch(
        /Beginning step Register in the catalog[\s\S]*Method not implemented/,
      );
      const repoUrl = `${sandbox.info.git.url}/git/late-failure-service.git`;
      expect(log).toContain(`created: repository ${repoUrl}`);
      expect(log).toContain(
        'created: Argo CD app late-failure-service-dev on argocd-nonprod',
      );
      expect(log).toContain(
        'created: Argo CD app late-failure-service-staging on argocd-nonprod',
      );
      expect(log).not.toContain(sandbox.info.git.password);
      // And they do exist, where the log says.
      const argo = sandbox.info.argocd.find(a => a.name === 'argocd-nonprod')!;
      for (const env of ['dev', 'staging']) {
        const app = await fetch(
          `${argo.url}/api/v1/applications/late-failure-service-${env}`,
          { headers: { Authorization: `Bearer ${argo.token}` } },
        );
        expect(app.status).toBe(200);
      }
    });

    /** What a run left behind: branches of a repository, apps of a service on every instance. */
    async function traces(repo: string, service: string) {
      const auth = `Basic ${Buffer.from(
        `${sandbox.info.git.username}:${sandbox.info.git.password}`,
      ).toString('base64')}`;
      const refs = await fetch(
        `${sandbox.info.git.url}/git/${repo}.git/info/refs?service=git-upload-pack`,
        { headers: { Authorization: auth } },
      );
      const branches = refs.ok
        ? [...(await refs.text()).matchAll(/refs\/heads\/([\w.-]+)/g)]
            .map(m => m[1])
            .sort()
        : [];
      const apps: string[] = [];
      for (const argo of sandbox.info.argocd) {
        const res = await fetch(
          `${argo.url}/api/v1/applications?selector=backstage.io/kubernetes-id%3D${service}`,
          { headers: { Authorization: `Bearer ${argo.token}` } },
        );
        apps.push(
          ...((await res.json()).items ?? []).map((a: any) => a.metadata.name),
        );
      }
      return { repo: refs.status, branches: [...new Set(branches)], apps };
    }

    it("refuses to add an environment to another team's service, before anything is pushed or created", async () => {
      const before = await traces('ledger-core', 'ledger-core');
      const { status, events } = await runTemplate(
        'add-environment',
        { service: 'component:default/ledger-core', environment: 'staging' },
        undefined,
        TEST_USERS.grace,
      );
      expect(status).toBe('failed');
      const log = events.map(e => e.body?.message ?? '').join('\n');
      expect(log).toContain(
        'you may not change component:default/ledger-core; members of group:default/team-payments or an admin group may',
      );
      expect(log).not.toMatch(/Beginning step (Push|Create the Argo CD app)/);
      expect(await traces('ledger-core', 'ledger-core')).toEqual(before);
    });

    it('refuses a new service for an owner group the user is not in, creating nothing', async () => {
      const { status, events } = await runNewService(
        {
          ...values['new-typescript-service.yaml'],
          name: 'grace-ledger',
          environments: ['dev'],
        },
        undefined,
        TEST_USERS.grace,
      );
      expect(status).toBe('failed');
      expect(JSON.stringify(events)).toContain(
        'you are not a member of group:default/team-payments, the owner you chose',
      );
      expect(await traces('grace-ledger', 'grace-ledger')).toEqual({
        repo: 404,
        branches: [],
        apps: [],
      });
    });

    it("lets an admin add an environment to another team's service", async () => {
      const { status, events } = await runTemplate(
        'add-environment',
        { service: 'component:default/ledger-core', environment: 'dev' },
        undefined,
        TEST_USERS.margaret,
      );
      expect({
        status,
        log: events.map(e => e.body?.message ?? '').filter(Boolean),
      }).toMatchObject({ status: 'completed' });
      const argo = sandbox.info.argocd.find(a => a.name === 'argocd-nonprod')!;
      const app = await (
        await fetch(`${argo.url}/api/v1/applications/ledger-core-dev`, {
          headers: { Authorization: `Bearer ${argo.token}` },
        })
      ).json();
      expect(app.spec).toMatchObject({
        project: 'payments',
        destination: { namespace: 'payments' },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      });
    });

    it('adds an environment whose overlay the repository lacks: the overlay on a branch, the app where the service runs', async () => {
      const { status, events, output } = await runTemplate('add-environment', {
        service: 'component:default/ledger-core',
        environment: 'staging',
      });
      expect({
        status,
        log: events.map(e => e.body?.message ?? '').filter(Boolean),
      }).toMatchObject({ status: 'completed' });
      expect(output.text[0].content).toContain(
        'Merge the `portolan-add-staging` branch',
      );
      const raw = (ref: string, file: string) =>
        fetch(`${sandbox.info.git.url}/raw/ledger-core/${ref}/${file}`);
      const overlay = await raw(
        'portolan-add-staging',
        'deploy/overlays/staging/kustomization.yaml',
      );
      expect(overlay.status).toBe(200);
      expect(await overlay.text()).toContain('namespace: payments');
      // The hand-written overlays stay as they were; main is untouched.
      expect(
        await (
          await raw(
            'portolan-add-staging',
            'deploy/overlays/dev/kustomization.yaml',
          )
        ).text(),
      ).toBe('# dev overlay, hand-written\n');
      expect(
        (await raw('main', 'deploy/overlays/staging/kustomization.yaml'))
          .status,
      ).toBe(404);
      const argo = sandbox.info.argocd.find(a => a.name === 'argocd-nonprod')!;
      const app = await (
        await fetch(`${argo.url}/api/v1/applications/ledger-core-staging`, {
          headers: { Authorization: `Bearer ${argo.token}` },
        })
      ).json();
      expect(app.spec).toMatchObject({
        project: 'payments',
        source: {
          path: 'deploy/overlays/staging',
          repoURL: `${sandbox.info.git.url}/git/ledger-core.git`,
        },
        destination: { namespace: 'payments' },
      });
    });

    it('adds an environment whose overlay the repository has: no branch, just the app', async () => {
      const { status, output, events } = await runTemplate('add-environment', {
        service: 'component:default/ledger-core',
        environment: 'prod',
      });
      expect(status).toBe('completed');
      expect(output.text[0].content).toContain(
        'already had the overlay: sync the new Argo CD app in Argo CD',
      );
      expect(events.map(e => e.body?.message ?? '').join('\n')).toContain(
        'nothing was pushed',
      );
      const branch = await fetch(
        `${sandbox.info.git.url}/raw/ledger-core/portolan-add-prod/deploy/overlays/prod/kustomization.yaml`,
      );
      expect(branch.status).toBe(404);
      const argo = sandbox.info.argocd.find(a => a.name === 'argocd-prod')!;
      const app = await fetch(
        `${argo.url}/api/v1/applications/ledger-core-prod`,
        { headers: { Authorization: `Bearer ${argo.token}` } },
      );
      expect(app.status).toBe(200);
      // Prod is protected: its apps sync by hand (portolan.onboarding.syncPolicy).
      expect((await app.json()).spec.syncPolicy?.automated).toBeUndefined();
    });

    it('fails the dry run before anything else when pre-flight checks fail', async () => {
      const res = await request(server)
        .post('/api/scaffolder/v2/dry-run')
        .set('Authorization', mockCredentials.user.header())
        .send({
          template: load('new-typescript-service.yaml'),
          values: {
            ...values['new-typescript-service.yaml'],
            name: 'checkout-service',
          },
          directoryContents: directoryContents(),
        });
      const log = JSON.stringify(res.body);
      expect(log).toContain('is already in the catalog');
    });
  });
});
