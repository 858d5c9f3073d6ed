import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { kubeconfigCluster, startTestSandbox } from '../testing';
import { sandboxKubeconfig } from './kubeconfig';

const run = promisify(execFile);

/** kubectl on PATH, as on the project's machines (SETUP-NOTES: kubectl 1.32). */
function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'kubectl');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

const kubectl = findKubectl();
const describeWithKubectl = kubectl ? describe : describe.skip;
if (!kubectl) {
  // eslint-disable-next-line no-console
  console.warn(
    'kubectl is not on PATH: skipping the unmodified-kubectl tests of the Kubernetes stand-in',
  );
}

/**
 * A standard client that was not written for the sandbox: the real kubectl,
 * with a kubeconfig as any cluster hands out (https server,
 * certificate-authority-data, bearer token). kubectl sends no bearer token
 * over plain http, and verifies the server's certificate against the CA.
 */
describeWithKubectl(
  'unmodified kubectl against the Kubernetes stand-in',
  () => {
    jest.setTimeout(60_000);
    let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
    let dir: string;
    /** kubectl as a user runs it: its own HOME, a kubeconfig, nothing else. */
    const kubectlWith = async (kubeconfig: string, args: string[]) => {
      const { stdout } = await run(
        kubectl!,
        ['--cache-dir', path.join(dir, 'cache'), ...args],
        {
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            KUBECONFIG: path.join(dir, kubeconfig),
          },
          timeout: 30_000,
        },
      );
      return stdout;
    };
    const k = (...args: string[]) => kubectlWith('kubeconfig', args);
    const rows = (out: string) =>
      out
        .trim()
        .split('\n')
        .map(l => l.trim().split(/\s{2,}/));

    beforeAll(async () => {
      sandbox = await startTestSandbox();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portolan-kubectl-'));
      const prod = kubeconfigCluster(sandbox.info, 'prod-eu');
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'prod-eu',
            cluster: {
              server: prod.url,
              'certificate-authority-data': prod.caData,
            },
          },
        ],
        users: [{ name: 'portolan', user: { token: prod.token } }],
        contexts: [
          {
            name: 'prod-eu',
            context: {
              cluster: 'prod-eu',
              user: 'portolan',
              namespace: 'payments',
            },
          },
        ],
        'current-context': 'prod-eu',
      };
      fs.writeFileSync(
        path.join(dir, 'kubeconfig'),
        YAML.stringify(kubeconfig),
        { mode: 0o600 },
      );
    });
    afterAll(async () => {
      await sandbox.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('get rollouts: discovery, then a server-side Table with the CRD printer columns', async () => {
      const out = rows(await k('get', 'rollouts'));
      expect(out[0]).toEqual([
        'NAME',
        'DESIRED',
        'CURRENT',
        'UP-TO-DATE',
        'AVAILABLE',
        'AGE',
      ]);
      expect(out.map(r => r[0])).toContain('checkout-service');
      const checkout = out.find(r => r[0] === 'checkout-service')!;
      expect(checkout.slice(1, 5)).toEqual(['5', '5', '5', '5']);
      // The short name from discovery (the CRD's shortNames: [ro]).
      expect(rows(await k('get', 'ro')).map(r => r[0])).toEqual(
        out.map(r => r[0]),
      );
    });

    it('get rollouts -o wide, and -o json (the objects themselves)', async () => {
      const wide = rows(await k('get', 'rollouts', '-o', 'wide'));
      expect(wide[0]).toEqual([
        'NAME',
        'DESIRED',
        'CURRENT',
        'UP-TO-DATE',
        'AVAILABLE',
        'AGE',
      ]);
      const json = JSON.parse(
        await k('get', 'rollout', 'checkout-service', '-o', 'json'),
      );
      expect(json).toMatchObject({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'checkout-service', namespace: 'payments' },
      });
    });

    it('get pods (and -o wide) with the columns kube-apiserver prints for pods', async () => {
      const pods = rows(
        await k(
          'get',
          'pods',
          '-l',
          'backstage.io/kubernetes-id=checkout-service',
        ),
      );
      expect(pods[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      expect(pods).toHaveLength(6);
      expect(pods[1].slice(1, 4)).toEqual(['1/1', 'Running', '0']);
      const wide = rows(
        await k(
          'get',
          'po',
          '-o',
          'wide',
          '-l',
          'backstage.io/kubernetes-id=checkout-service',
        ),
      );
      expect(wide[0]).toEqual([
        'NAME',
        'READY',
        'STATUS',
        'RESTARTS',
        'AGE',
        'IP',
        'NODE',
        'NOMINATED NODE',
        'READINESS GATES',
      ]);
      expect(wide[1][6]).toMatch(/^prod-eu-node-\d$/);
    });

    it("patch rollout --type merge, then describe rollout shows the change and the controller's events", async () => {
      const patched = await k(
        'patch',
        'rollout',
        'checkout-service',
        '--type',
        'merge',
        '-p',
        '{"spec":{"paused":true}}',
      );
      expect(patched.trim()).toBe(
        'rollout.argoproj.io/checkout-service patched',
      );
      // The API server skips a no-op patch; kubectl says so.
      expect(
        (
          await k(
            'patch',
            'rollout',
            'checkout-service',
            '--type',
            'merge',
            '-p',
            '{"spec":{"paused":true}}',
          )
        ).trim(),
      ).toBe('rollout.argoproj.io/checkout-service patched (no change)');
      const aborted = await k(
        'patch',
        'rollout',
        'checkout-service',
        '--subresource',
        'status',
        '--type',
        'merge',
        '-p',
        '{"status":{"abort":true}}',
      );
      expect(aborted.trim()).toBe(
        'rollout.argoproj.io/checkout-service patched',
      );
      sandbox.tick(); // the Rollouts controller's pass: it records an event
      const described = await k('describe', 'rollout', 'checkout-service');
      expect(described).toMatch(/^Name:\s+checkout-service$/m);
      expect(described).toMatch(/^Kind:\s+Rollout$/m);
      expect(described).toMatch(/^\s+Paused:\s+true$/m);
      expect(described).toMatch(
        /Warning\s+RolloutAborted\s+\S+\s+rollouts-controller\s+Rollout aborted update to revision 1/,
      );
      const events = rows(await k('get', 'events'));
      expect(events[0]).toEqual([
        'LAST SEEN',
        'TYPE',
        'REASON',
        'OBJECT',
        'MESSAGE',
      ]);
      expect(events.slice(1).map(e => e.slice(1, 4))).toContainEqual([
        'Warning',
        'RolloutAborted',
        'rollout/checkout-service',
      ]);
    });

    it('auth can-i (SelfSubjectAccessReview, sent as protobuf) and logs', async () => {
      expect(
        (await k('auth', 'can-i', 'patch', 'rollouts.argoproj.io')).trim(),
      ).toBe('yes');
      expect(
        (
          await k('auth', 'can-i', 'get', 'pods', '--subresource', 'log')
        ).trim(),
      ).toBe('yes');
      const denied = await k('auth', 'can-i', 'delete', 'pods').catch(
        e => e.stdout as string,
      );
      expect(denied.trim()).toBe('no');
      const pod = rows(
        await k(
          'get',
          'pods',
          '-l',
          'backstage.io/kubernetes-id=checkout-service',
          '--no-headers',
        ),
      )[0][0];
      const log = await k('logs', pod, '--tail', '3');
      expect(log.trim().split('\n')).toHaveLength(3);
      expect(log).toMatch(/GET \/healthz\/ready 200/);
    });

    it('api-resources lists short names and categories; get all uses the "all" category', async () => {
      const resources = rows(await k('api-resources', '--no-headers'));
      const byName = new Map(resources.map(r => [r[0], r]));
      expect(byName.get('rollouts')).toEqual([
        'rollouts',
        'ro',
        'argoproj.io/v1alpha1',
        'true',
        'Rollout',
      ]);
      expect(byName.get('pods')?.[1]).toBe('po');
      expect(byName.get('deployments')?.[1]).toBe('deploy');
      expect(byName.get('analysisruns')?.[1]).toBe('ar');
      const all = await k('get', 'all');
      expect(all).toMatch(/^pod\/checkout-service-/m);
      expect(all).toMatch(/^service\/checkout-service\s/m);
      expect(all).toMatch(/^replicaset\.apps\/checkout-service-/m);
    });

    it('works with the kubeconfig the sandbox writes next to sandbox.json (every cluster a context)', async () => {
      fs.writeFileSync(
        path.join(dir, 'sandbox-kubeconfig'),
        sandboxKubeconfig(sandbox.info.kubernetes, sandbox.info.ca),
      );
      const stdout = await kubectlWith('sandbox-kubeconfig', [
        '--context',
        'dev',
        'get',
        'namespaces',
        '-o',
        'name',
      ]);
      expect(stdout.trim().split('\n')).toEqual(
        expect.arrayContaining(['namespace/payments']),
      );
    });

    it('refuses to talk to the stand-in without the CA (TLS is verified, never skipped)', async () => {
      const prod = kubeconfigCluster(sandbox.info, 'prod-eu');
      const error = await kubectlWith('none', [
        '--server',
        prod.url,
        '--token',
        prod.token,
        'get',
        'pods',
      ]).catch(e => e);
      expect(String(error.stderr)).toMatch(
        /certificate signed by unknown authority/,
      );
    });
  },
);
