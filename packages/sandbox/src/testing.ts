import path from 'node:path';
import { ManualClock, RunningSandbox, startSandbox } from './index';

/** The repo's demo catalog, which the sandbox seeds from. */
export const CATALOG_DIR = path.resolve(__dirname, '../../../catalog');
/** A fixed instant, so every generated figure is reproducible. */
export const T0 = Date.parse('2026-11-02T12:00:00Z');

export async function startTestSandbox(
  overrides: Partial<Parameters<typeof startSandbox>[0]> = {},
): Promise<RunningSandbox & { clock: ManualClock }> {
  const clock = new ManualClock(T0);
  const sandbox = await startSandbox({ catalogDir: CATALOG_DIR, basePort: 0, seed: 7, clock, ...overrides });
  return sandbox as RunningSandbox & { clock: ManualClock };
}
