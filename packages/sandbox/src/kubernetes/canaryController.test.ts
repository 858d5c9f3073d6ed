import Ajv from 'ajv';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { sandboxFetch, startTestSandbox } from '../testing';

const specs = path.resolve(
  __dirname,
  '../../../../../shared/specs/argo-rollouts',
);
function crdValidator(file: string) {
  const crd = YAML.parse(fs.readFileSync(path.join(specs, file), 'utf8'));
  const schema = crd.spec.versions.find((v: any) => v.name === 'v1alpha1')
    .schema.openAPIV3Schema;
  return new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: false,
  }).compile(schema);
}

// Schema compilation and the sandbox's start take seconds on a busy 2-core machine.
jest.setTimeout(30_000);

describe('canary controller', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let kube: { url: string; token: string };
  let argo: { url: string; token: string };
  const k = async (p: string, init: RequestInit = {}) => {
    const res = await sandboxFetch(sandbox.info)(`${kube.url}${p}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${kube.token}`,
        'Content-Type': 'application/merge-patch+json',
      },
    });
    return { status: res.status, body: await res.json() };
  };
  const rolloutPath =
    '/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts/checkout-service';
  const patchStatus = (status: object) =>
    k(`${rolloutPath}/status`, {
      method: 'PATCH',
      body: JSON.stringify({ status }),
    });
  const step = (ms: number) => {
    sandbox.clock.advance(ms);
    sandbox.tick();
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    kube = sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!;
    argo = sandbox.info.argocd.find(a => a.name === 'argocd-prod')!;
  });
  afterAll(() => sandbox.stop());

  it('rolls a new deploy through its canary steps, with promote from the pause', async () => {
    const validateRollout = crdValidator('rollout-crd.yaml');
    const validateRun = crdValidator('analysis-run-crd.yaml');
    // Sync a new revision in Argo CD: the Rollout starts a canary.
    const app = sandbox.world.apps.find(
      a => a.name === 'checkout-service-prod',
    )!;
    const revision = 'ff'.padEnd(40, '1'); // a revision whose analysis passes
    const sync = await fetch(
      `${argo.url}/api/v1/applications/checkout-service-prod/sync`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${argo.token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ revision }),
      },
    );
    expect(sync.status).toBe(200);
    step(1000);
    let r = (await k(rolloutPath)).body;
    expect(validateRollout(r) ? null : validateRollout.errors).toBeNull();
    expect(r.status).toMatchObject({
      phase: 'Paused',
      currentStepIndex: 1,
      currentPodHash: revision.slice(0, 10),
      pauseConditions: [{ reason: 'CanaryPauseStep' }],
    });
    expect(r.status.canary.weights.canary.weight).toBe(20);
    // One pass writes the whole new status, observedGeneration included
    // (Argo Rollouts persists status.observedGeneration = metadata.generation
    // with the rest): later passes with nothing to do write nothing, so a
    // client holding this resourceVersion can still promote.
    expect(r.status.observedGeneration).toBe(String(r.metadata.generation));
    step(5_000);
    step(5_000);
    expect((await k(rolloutPath)).body.metadata.resourceVersion).toBe(
      r.metadata.resourceVersion,
    );

    // promote (next step): kubectl-argo-rollouts' patch for a paused canary.
    // The controller reacts on its next pass, not inside the PATCH.
    const promoted = await patchStatus({
      pauseConditions: null,
      currentStepIndex: 2,
    });
    expect(promoted.body.status).toMatchObject({
      currentStepIndex: 2,
      phase: 'Paused',
    });
    step(0);
    r = (await k(rolloutPath)).body;
    expect(r.status.currentStepIndex).toBe(3); // setWeight 50 applied, now in the timed pause
    expect(r.status.canary.weights.canary.weight).toBe(50);
    expect(r.status.phase).toBe('Paused');

    step(61_000); // the 60 s pause ends; analysis starts
    r = (await k(rolloutPath)).body;
    expect(r.status.canary.currentStepAnalysisRunStatus.status).toBe('Running');
    const runs = (
      await k('/apis/argoproj.io/v1alpha1/namespaces/payments/analysisruns')
    ).body.items;
    expect(runs).toHaveLength(1);
    expect(validateRun(runs[0]) ? null : validateRun.errors).toBeNull();

    step(61_000); // analysis passes; setWeight 100; done
    r = (await k(rolloutPath)).body;
    expect(r.status).toMatchObject({
      phase: 'Healthy',
      stableRS: revision.slice(0, 10),
    });
    expect(sandbox.world.current(app)!.result).toBe('succeeded');
    const pods = (
      await k(
        `/api/v1/namespaces/payments/pods?labelSelector=rollouts-pod-template-hash%3D${revision.slice(
          0,
          10,
        )}`,
      )
    ).body.items;
    expect(pods).toHaveLength(5);
  });

  it('aborts a canary whose analysis fails, and Argo CD shows it degraded', async () => {
    const app = sandbox.world.apps.find(
      a => a.name === 'checkout-service-prod',
    )!;
    const revision = '01'.padEnd(40, '2'); // hash < 0x1a: the scenario fails analysis
    sandbox.world.startDeploy(app, sandbox.clock.now(), 'admin', revision);
    step(1000);
    await patchStatus({ pauseConditions: null, currentStepIndex: 2 });
    step(0);
    step(61_000);
    step(61_000);
    const r = (await k(rolloutPath)).body;
    expect(r.status).toMatchObject({ abort: true, phase: 'Degraded' });
    expect(sandbox.world.current(app)!.result).toBe('canary-aborted');
    const res = await fetch(
      `${argo.url}/api/v1/applications/checkout-service-prod`,
      {
        headers: { Authorization: `Bearer ${argo.token}` },
      },
    );
    expect((await res.json()).status.health.status).toBe('Degraded');
  });
});
