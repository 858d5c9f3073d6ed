// Git onboarding (issue 6): a *New TypeScript service* run end to end
// against the sandbox — pre-flight, generate, push, Argo CD apps, register —
// through the scaffolder API, as the Create page does (budget 20 s).
//   node bench/onboarding.mjs [runs=5]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, startPortal, table, writeResult } from './lib.mjs';

const runs = Number(process.argv[2] ?? 5);
const port = 7037;
const { base, dataDir, stop } = await startPortal({
  port,
  sandboxBasePort: 17300,
  name: 'onboarding',
});
// Sign in as a team-payments member once the catalog has the users.
let token;
for (let i = 0; !token; i++) {
  const login = await fetch(`${base}/api/auth/sandbox/refresh`, {
    headers: {
      'X-Requested-With': 'XMLHttpRequest',
      'x-portolan-sandbox-user': 'barbara.liskov',
    },
  });
  if (login.ok) token = (await login.json()).backstageIdentity.token;
  else if (i > 240) throw new Error(`sandbox sign-in: ${login.status}`);
  else await new Promise(r => setTimeout(r, 500));
}
const headers = {
  Authorization: `Bearer ${token}`,
  'Content-Type': 'application/json',
};
// The template must be in the catalog first.
for (let i = 0; ; i++) {
  const r = await fetch(
    `${base}/api/catalog/entities/by-name/template/default/new-typescript-service`,
    { headers },
  );
  if (r.ok) break;
  if (i > 240) throw new Error('template not in the catalog');
  await new Promise(r2 => setTimeout(r2, 500));
}

const times = [];
for (let i = 0; i < runs; i++) {
  const name = `bench-${Date.now().toString(36)}-${i}`;
  const started = performance.now();
  const created = await fetch(`${base}/api/scaffolder/v2/tasks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      templateRef: 'template:default/new-typescript-service',
      values: {
        name,
        owner: 'group:default/team-payments',
        system: 'system:default/payments',
        description: 'benchmark',
        environments: ['dev', 'staging', 'prod'],
      },
    }),
  });
  const { id } = await created.json();
  for (;;) {
    const task = await (
      await fetch(`${base}/api/scaffolder/v2/tasks/${id}`, { headers })
    ).json();
    if (task.status === 'completed') break;
    if (task.status === 'failed' || task.status === 'cancelled')
      throw new Error(`task ${id} ${task.status}`);
    await new Promise(r => setTimeout(r, 100));
  }
  times.push(performance.now() - started);
}
const sandbox = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8'));
table([
  [
    `New TypeScript service, ${runs} runs (3 environments)`,
    `median ${percentile(times, 50).toFixed(0)} ms, max ${Math.max(
      ...times,
    ).toFixed(0)} ms (budget 20 s)`,
  ],
  [
    'sandbox',
    `${sandbox.argocd.length} Argo CD instances, Git at ${sandbox.git.url}`,
  ],
]);
writeResult('onboarding', {
  runs,
  times,
  median: percentile(times, 50),
  max: Math.max(...times),
});
stop();
process.exit(0);
