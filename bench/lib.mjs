// Small helpers shared by the benchmarks.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(benchDir, '..');

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(
    sorted.length - 1,
    Math.ceil((p / 100) * sorted.length) - 1,
  );
  return sorted[Math.max(0, i)];
}

/** RSS in MB of a process and its children (Linux /proc). */
export function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return undefined;
  }
}

export function writeResult(name, result) {
  mkdirSync(join(benchDir, 'results'), { recursive: true });
  const file = join(benchDir, 'results', `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`,
  );
  console.log(`results written to ${file}`);
}

export function table(rows) {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

/**
 * Starts `bin/portal start` on its own port, data directory and sandbox
 * ports, waits until the backend is ready, and returns how to stop it (also
 * stopped when the benchmark exits).
 */
export async function startPortal({ port, sandboxBasePort, name }) {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dataDir = mkdtempSync(join(tmpdir(), `portolan-${name}-bench-`));
  const portal = spawn(join(repoRoot, 'bin/portal'), ['start'], {
    cwd: repoRoot,
    detached: true,
    stdio: 'ignore',
    env: {
      ...process.env,
      PORTOLAN_PORT: String(port),
      PORTOLAN_DATA_DIR: dataDir,
      PORTOLAN_SANDBOX_BASE_PORT: String(sandboxBasePort),
    },
  });
  const stop = () => {
    try {
      process.kill(-portal.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.on('exit', stop);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/.backstage/health/v1/readiness`)).ok) break;
    } catch {
      // not yet
    }
    if (i > 1200) throw new Error('portal did not start');
    await new Promise(r => setTimeout(r, 250));
  }
  return { base, dataDir, stop };
}

/**
 * Runs a TypeScript benchmark (Backstage's node transform, so it imports the
 * plugin's own source), prints the JSON lines it writes and stores them as
 * bench/results/<name>.json.
 */
export async function runTypeScriptBench(file, args, name) {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(
    process.execPath,
    [
      '--require',
      '@backstage/cli-node/config/nodeTransform.cjs',
      file,
      ...args,
    ],
    {
      cwd: repoRoot,
      encoding: 'utf8',
      env: process.env,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const results = out
    .trim()
    .split('\n')
    .filter(l => l.startsWith('{'))
    .map(l => JSON.parse(l));
  for (const r of results) console.log(JSON.stringify(r, null, 2));
  writeResult(name, { results });
}
