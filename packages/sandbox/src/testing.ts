import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import {
  ManualClock,
  RunningSandbox,
  SandboxInfo,
  startSandbox,
} from './index';

/** The repo's demo catalog, which the sandbox seeds from. */
// The sandbox is private and always runs from source (package.json `files`:
// src), so this file's directory is the source directory.
// eslint-disable-next-line no-restricted-syntax
export const CATALOG_DIR = path.resolve(__dirname, '../../../catalog');
/** A fixed instant, so every generated figure is reproducible. */
export const T0 = Date.parse('2026-11-02T12:00:00Z');

export async function startTestSandbox(
  overrides: Partial<Parameters<typeof startSandbox>[0]> = {},
): Promise<RunningSandbox & { clock: ManualClock }> {
  const clock = new ManualClock(T0);
  const sandbox = await startSandbox({
    catalogDir: CATALOG_DIR,
    basePort: 0,
    seed: 7,
    clock,
    ...overrides,
  });
  return sandbox as RunningSandbox & { clock: ManualClock };
}

/**
 * `fetch` for tests that call the sandbox's stand-ins directly: it verifies
 * the Kubernetes stand-ins' TLS certificates against the sandbox's CA, as
 * every client must (nothing switches verification off).
 */
export function sandboxFetch(info: Pick<SandboxInfo, 'ca'>): typeof fetch {
  const dispatcher = new Agent({ connect: { ca: info.ca } });
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, {
      ...(init as object),
      dispatcher,
    })) as unknown as typeof fetch;
}

/**
 * A Kubernetes cluster of the sandbox as `kubernetes.clusterLocatorMethods`
 * configures one: URL, token and the CA as `caData` (TLS verified).
 */
export function kubeconfigCluster(info: SandboxInfo, name: string) {
  const cluster = info.kubernetes.find(k => k.name === name);
  if (!cluster) throw new Error(`the sandbox has no cluster ${name}`);
  return {
    ...cluster,
    caData: Buffer.from(info.ca).toString('base64'),
    skipTLSVerify: false,
  };
}
