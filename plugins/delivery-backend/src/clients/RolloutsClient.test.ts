import { ConflictError, ServiceUnavailableError } from '@backstage/errors';
import {
  kubeconfigCluster,
  startTestSandbox,
} from '@portolan/sandbox/src/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RolloutsClient } from './RolloutsClient';

jest.setTimeout(30_000);

describe('RolloutsClient over TLS (the sandbox API servers, like any cluster, serve https only)', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let prod: ReturnType<typeof kubeconfigCluster>;
  let dir: string;
  const selector = 'backstage.io/kubernetes-id=checkout-service';
  /** The prod-eu cluster with these TLS settings. */
  const clientWith = (tls: {
    skipTLSVerify: boolean;
    caData?: string;
    caFile?: string;
  }) =>
    new RolloutsClient({
      name: 'prod-eu',
      url: prod.url,
      token: prod.token,
      ...tls,
    });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    prod = kubeconfigCluster(sandbox.info, 'prod-eu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-ca-'));
  });
  afterAll(async () => {
    await sandbox.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the server against caData, as the Kubernetes backend does', async () => {
    const client = clientWith({ skipTLSVerify: false, caData: prod.caData });
    expect(
      (await client.listRollouts(selector, 'payments')).map(
        r => r.metadata.name,
      ),
    ).toEqual(['checkout-service']);
  });

  it('verifies the server against caFile', async () => {
    const caFile = path.join(dir, 'ca.pem');
    fs.writeFileSync(caFile, sandbox.info.ca);
    const client = clientWith({ skipTLSVerify: false, caFile });
    expect(await client.listRollouts(selector, 'payments')).toHaveLength(1);
  });

  it('never skips verification implicitly: without the CA the cluster is unreachable, and says why', async () => {
    const client = clientWith({ skipTLSVerify: false });
    const error = await client.listRollouts(selector, 'payments').catch(e => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toMatch(
      /^Cluster prod-eu is unreachable \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)/,
    );
    // Only when configured: skipTLSVerify.
    const insecure = clientWith({ skipTLSVerify: true });
    expect(await insecure.listRollouts(selector, 'payments')).toHaveLength(1);
  });

  it('sends the resourceVersion precondition only when given: 409 is a ConflictError, no precondition applies', async () => {
    const client = clientWith({ skipTLSVerify: false, caData: prod.caData });
    const before = await client.getRollout('payments', 'checkout-service');
    const labelled = await client.patchRollout(
      'payments',
      'checkout-service',
      { spec: { paused: true } },
      before.metadata.resourceVersion,
    );
    expect(labelled.spec.paused).toBe(true);
    const stale = await client
      .patchRollout(
        'payments',
        'checkout-service',
        { status: { abort: true } },
        before.metadata.resourceVersion,
      )
      .catch(e => e);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale.message).toMatch(
      /^Cluster prod-eu: Operation cannot be fulfilled on rollouts.argoproj.io "checkout-service": the object has been modified/,
    );
    const unconditional = await client.patchRollout(
      'payments',
      'checkout-service',
      { spec: { paused: false } },
    );
    expect(unconditional.spec.paused).toBe(false);
  });
});
