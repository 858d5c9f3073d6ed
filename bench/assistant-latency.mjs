// Assistant (issue 15) through a running portal with the sandbox's stand-in
// model: time to the first streamed token of an answer (tool calls
// included; the stand-in answers at once, so this is the backend's
// overhead; budget 1 s), the offline brief (budget 500 ms), and the size
// of the prompt sent to the model (budget 6,000 tokens).
// BENCH_PORTAL_URL + BENCH_DATA_DIR reuse a running portal; else one is started.
import { percentile, startPortal, table, writeResult } from './lib.mjs';

let base = process.env.BENCH_PORTAL_URL;
let stop = () => {};
if (!base)
  ({ base, stop } = await startPortal({
    port: 7427,
    sandboxBasePort: 7540,
    name: 'assistant-latency',
  }));
const signIn = await fetch(`${base}/api/auth/sandbox/refresh`, {
  headers: {
    'X-Requested-With': 'XMLHttpRequest',
    'x-portolan-sandbox-user': 'barbara.liskov',
  },
});
if (!signIn.ok) throw new Error(`sign-in failed: ${signIn.status}`);
const token = (await signIn.json()).backstageIdentity.token;
const entityRef = 'component:default/checkout-service';
const headers = {
  Authorization: `Bearer ${token}`,
  'Content-Type': 'application/json',
};

async function ask(text) {
  const started = performance.now();
  const res = await fetch(`${base}/api/assistant/conversations/new/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ text, entityRef }),
  });
  if (res.status !== 200)
    throw new Error(`ask: ${res.status} ${await res.text()}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let firstToken;
  let done;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    buffer += decoder.decode(value, { stream: true });
    if (firstToken === undefined && buffer.includes('event: token'))
      firstToken = performance.now() - started;
    const at = buffer.lastIndexOf('event: done');
    if (at >= 0) done = buffer.slice(at);
  }
  const message = JSON.parse(done.split('\ndata: ')[1]).message;
  return { firstToken, total: performance.now() - started, message };
}

const questions = [
  'Why did the last prod deploy fail?',
  'What changed before the error burst?',
  'What would right-sizing save us?',
  'Is the service compliant?',
];
const firstTokens = [];
const totals = [];
const prompts = [];
// 10 questions, one at a time (under the per-user rate limit of 10/min).
for (let i = 0; i < 10; i++) {
  const r = await ask(questions[i % questions.length]);
  firstTokens.push(r.firstToken);
  totals.push(r.total);
  prompts.push(r.message.promptTokens ?? 0);
}
const briefs = [];
for (let i = 0; i < 20; i++) {
  const started = performance.now();
  const res = await fetch(
    `${base}/api/assistant/brief?entityRef=${encodeURIComponent(entityRef)}`,
    { headers },
  );
  await res.json();
  briefs.push(performance.now() - started);
}
await stop();

const ms = v => Math.round(v);
const result = {
  firstTokenMs: {
    p50: ms(percentile(firstTokens, 50)),
    p95: ms(percentile(firstTokens, 95)),
    budget: 1000,
  },
  answerMs: {
    p50: ms(percentile(totals, 50)),
    p95: ms(percentile(totals, 95)),
  },
  briefMs: {
    p50: ms(percentile(briefs, 50)),
    p95: ms(percentile(briefs, 95)),
    budget: 500,
  },
  promptTokens: { max: Math.max(...prompts), budget: 6000 },
};
table([
  [
    'first streamed token',
    `p50 ${result.firstTokenMs.p50} ms, p95 ${result.firstTokenMs.p95} ms (budget 1000)`,
  ],
  [
    'whole answer',
    `p50 ${result.answerMs.p50} ms, p95 ${result.answerMs.p95} ms`,
  ],
  [
    'offline brief',
    `p50 ${result.briefMs.p50} ms, p95 ${result.briefMs.p95} ms (budget 500)`,
  ],
  ['prompt', `max ${result.promptTokens.max} tokens (budget 6000)`],
  ['first token, each answer', firstTokens.map(ms).join(', ')],
]);
writeResult('assistant-latency', result);
