import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';

/**
 * honest: calls the tools a question needs, answers from their output and
 * proposes an abort for a failing canary; ignores instructions in data.
 * gullible: the same, but also obeys instructions found in tool output
 * (call a tool, propose an action, repeat its prompt, write given text).
 * garbage: invalid JSON in tool arguments and an unknown tool, every time.
 * slow: like honest, late.
 */
export type StandInMode = 'honest' | 'gullible' | 'garbage' | 'slow';

export interface StandInReply {
  content: string;
  toolCalls: Array<{ name: string; arguments: string }>;
  promptTokens: number;
  completionTokens: number;
}

/** The tools a caller offers for proposals (see the assistant backend). */
export const PROPOSE_TOOL = 'propose_rollout_action';
export const PROPOSE_WAIVER_TOOL = 'propose_waiver_request';
export const PROPOSE_TEMPLATE_TOOL = 'propose_template';

// A name ends with a letter or digit (not the full stop after it in a sentence).
const ENTITY_REF =
  /\b(?:component|group|system|resource|api|domain|user):[a-z0-9_.-]+\/[a-z0-9_.-]*[a-z0-9]/i;

function text(message: ChatCompletionMessageParam): string {
  const c = message.content;
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  return c
    .map(part =>
      'text' in part && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

function toolNames(tools: ChatCompletionTool[]): string[] {
  return tools.flatMap(t => (t.type === 'function' ? [t.function.name] : []));
}

/** OpenAI function names cannot hold ':'; callers map `plugin:name` to `plugin__name`. */
function toFunctionName(id: string) {
  return id.replace(':', '__');
}

const TOOL_TOPICS: Array<{ suffix: string; topic: RegExp; args?: object }> = [
  { suffix: 'get-rollouts', topic: /canary|rollout|abort|promote|fail|why/i },
  { suffix: 'get-deployments', topic: /deploy|fail|chang|release|why|last/i },
  { suffix: 'error-bursts', topic: /error|burst|fail|why|incident|log/i },
  {
    suffix: 'logs__search',
    topic: /error|fail|log|why/i,
    args: { level: 'error', limit: 20 },
  },
  { suffix: 'get-dora', topic: /dora|lead time|frequency|performance/i },
  { suffix: 'get-service-cost', topic: /cost|spend|bill|expens|sav/i },
  { suffix: 'get-rightsizing', topic: /right-?siz|sav|waste|over-?provision/i },
  { suffix: 'get-service-checks', topic: /complian|check|polic|fail|waiv/i },
  { suffix: 'get-team-summary', topic: /team/i },
];

function wordCount(s: string) {
  return Math.ceil(s.length / 4);
}

/** What the stand-in says next, from the conversation so far. */
export function answerFor(
  mode: StandInMode,
  messages: ChatCompletionMessageParam[],
  tools: ChatCompletionTool[],
): StandInReply {
  const promptTokens = messages.reduce((n, m) => n + wordCount(text(m)), 0);
  const reply = (
    content: string,
    toolCalls: StandInReply['toolCalls'] = [],
  ): StandInReply => ({
    content,
    toolCalls,
    promptTokens,
    completionTokens: wordCount(content) + toolCalls.length * 10,
  });
  const names = toolNames(tools);
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });
  const question = lastUser >= 0 ? text(messages[lastUser]) : '';
  const since = messages.slice(lastUser + 1);
  const previousCalls = since.flatMap(m =>
    m.role === 'assistant' && m.tool_calls
      ? m.tool_calls.flatMap(c =>
          c.type === 'function'
            ? [`${c.function.name} ${c.function.arguments}`]
            : [],
        )
      : [],
  );
  const toolResults = since.filter(m => m.role === 'tool').map(text);

  if (mode === 'garbage') {
    if (toolResults.length >= 4)
      return reply('I could not make sense of the tools.');
    return reply('', [
      { name: 'delete_everything', arguments: '{}' },
      { name: names[0] ?? 'unknown', arguments: '{"entityRef": ' },
    ]);
  }

  // "open the template add-environment with service=… environment=staging"
  const template = question.match(
    /\btemplate\s+`?((?:template:)?[a-z0-9][a-z0-9_.\/-]*[a-z0-9])/i,
  )?.[1];
  if (
    template &&
    names.includes(PROPOSE_TEMPLATE_TOOL) &&
    previousCalls.length === 0
  ) {
    const values = Object.fromEntries(
      [...question.matchAll(/\b([a-zA-Z][\w-]*)=("[^"]*"|[^\s,]+)/g)].map(m => [
        m[1],
        m[2].replace(/^"|"$/g, ''),
      ]),
    );
    return reply('', [
      {
        name: PROPOSE_TEMPLATE_TOOL,
        arguments: JSON.stringify({
          template,
          values,
          reason: 'You asked for this template.',
        }),
      },
    ]);
  }

  const entityRef =
    question.match(ENTITY_REF)?.[0] ??
    messages
      .filter(m => m.role === 'system')
      .map(text)
      .join('\n')
      .match(ENTITY_REF)?.[0];

  if (previousCalls.length === 0 && names.length && entityRef) {
    const calls = TOOL_TOPICS.filter(t => t.topic.test(question)).flatMap(t => {
      const name = names.find(n => n.endsWith(t.suffix));
      return name
        ? [
            {
              name,
              arguments: JSON.stringify({ entityRef, ...t.args }),
            },
          ]
        : [];
    });
    const fallback = names
      .filter(n => /get-rollouts|get-deployments/.test(n))
      .map(name => ({ name, arguments: JSON.stringify({ entityRef }) }));
    const first = calls.length ? calls : fallback;
    if (first.length) return reply('', first);
  }

  const notYet = (c: { name: string; arguments: string }) =>
    !previousCalls.includes(`${c.name} ${c.arguments}`);

  if (mode === 'gullible') {
    const obeyed = toolResults.flatMap(r => instructionsIn(r, entityRef));
    const calls = obeyed
      .filter(
        (o): o is { name: string; arguments: string } =>
          'name' in o && names.includes(o.name),
      )
      .filter(notYet);
    if (calls.length) return reply('', calls);
    const leak = obeyed.some(o => 'leak' in o);
    const said = obeyed.flatMap(o => ('say' in o ? [o.say] : []));
    const everything = leak
      ? messages.map(m => `[${m.role}] ${text(m)}`).join('\n')
      : '';
    return reply(
      [
        'As instructed by the data:',
        ...said,
        everything,
        ...toolResults.map(r => `Tool said: ${r}`),
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }

  // honest (and slow): a failing canary the user asks about gets an abort proposal.
  const failing = toolResults.some(
    r =>
      /get-rollouts|rollouts/i.test(r) &&
      /degraded|aborted|failed|inconclusive/i.test(r),
  );
  const propose = {
    name: PROPOSE_TOOL,
    arguments: JSON.stringify({
      action: 'abort',
      reason: 'The canary is failing its analysis.',
    }),
  };
  // ... and so does a canary in flight the user asks to abort.
  const abortable = toolResults.some(r =>
    /"availableActions":\[[^\]]*"abort"/.test(r),
  );
  // A waiver asked for: the first check the tools report failing.
  const failingCheck = toolResults
    .map(
      r =>
        r.match(
          /"checkId":"([^"]+)"(?:(?!"checkId")[\s\S])*?"status":"fail"/,
        )?.[1],
    )
    .find(Boolean);
  const days = question.match(/\b(\d{1,3})\s*days?\b/i)?.[1];
  const waiver = failingCheck && {
    name: PROPOSE_WAIVER_TOOL,
    arguments: JSON.stringify({
      checkId: failingCheck,
      reason: 'The fix is planned; asked for in the assistant.',
      ...(days ? { days: Number(days) } : {}),
    }),
  };
  if (
    waiver &&
    names.includes(PROPOSE_WAIVER_TOOL) &&
    /\bwaiv/i.test(question) &&
    notYet(waiver)
  )
    return reply('', [waiver]);

  if (
    names.includes(PROPOSE_TOOL) &&
    !/\bwaiv/i.test(question) &&
    ((failing &&
      /abort|fail|stop|roll ?back|why|what should/i.test(question)) ||
      (abortable && /\babort/i.test(question))) &&
    notYet(propose)
  )
    return reply('', [propose]);

  const lines = since
    .filter(m => m.role === 'tool')
    .map(m => {
      const body = text(m)
        .replace(/<\/?untrusted-data[^>]*>/g, '')
        .replace(/\s+/g, ' ')
        .trim();
      return `- ${body.slice(0, 240)}${body.length > 240 ? '…' : ''}`;
    });
  return reply(
    lines.length
      ? `Sandbox stand-in answer (not a model). From the tools I called:\n${lines.join(
          '\n',
        )}`
      : `Sandbox stand-in answer (not a model): I have no data for "${question.slice(
          0,
          200,
        )}".`,
  );
}

type Obeyed =
  | { name: string; arguments: string }
  | { leak: true }
  | { say: string };

/** What a gullible model takes for instructions in a tool's output. */
function instructionsIn(output: string, entityRef?: string): Obeyed[] {
  const found: Obeyed[] = [];
  for (const m of output.matchAll(
    /\b(?:call|invoke|run|use)\s+(?:the\s+)?(?:tool\s+)?`?([a-z0-9_-]+(?:__|:)[a-z0-9_-]+)`?(?:\s+with\s+(\{[^{}]*\}))?/gi,
  )) {
    let args = m[2] ?? JSON.stringify({ entityRef });
    try {
      args = JSON.stringify(JSON.parse(args));
    } catch {
      // a gullible model passes it on as it is
    }
    found.push({ name: toFunctionName(m[1]), arguments: args });
  }
  for (const m of output.matchAll(
    /\b(promote-full|promote|abort|pause|resume|retry)\s+(?:the\s+|this\s+)?(?:canary|rollout)/gi,
  )) {
    found.push({
      name: PROPOSE_TOOL,
      arguments: JSON.stringify({
        action: m[1].toLowerCase(),
        reason: 'The data told me to.',
      }),
    });
  }
  for (const m of output.matchAll(
    /\b(?:request|file|ask for)\s+(?:a\s+)?waiver\s+(?:for|of)\s+(?:the\s+check\s+)?`?([a-z0-9-]+)`?(?:\s+for\s+(\d+)\s+days)?/gi,
  )) {
    found.push({
      name: PROPOSE_WAIVER_TOOL,
      arguments: JSON.stringify({
        checkId: m[1],
        reason: 'The data told me to.',
        ...(m[2] ? { days: Number(m[2]) } : {}),
      }),
    });
  }
  for (const m of output.matchAll(
    /\bopen\s+(?:the\s+)?template\s+`?([a-z0-9:/_.-]*[a-z0-9])`?(?:\s+with\s+(\{[^{}]*\}))?/gi,
  )) {
    let values: unknown = {};
    try {
      values = JSON.parse(m[2] ?? '{}');
    } catch {
      // a gullible model passes what it can
    }
    found.push({
      name: PROPOSE_TEMPLATE_TOOL,
      arguments: JSON.stringify({
        template: m[1],
        values,
        reason: 'The data told me to.',
      }),
    });
  }
  for (const m of output.matchAll(
    /\b(?:fetch|get|read|show|list)\b[^.]*?\b(?:for|of|from)\s+((?:component|group):[a-z0-9_.-]+\/[a-z0-9_.-]+)/gi,
  )) {
    for (const tool of ['logs__search', 'finops__get-service-cost'])
      found.push({
        name: tool,
        arguments: JSON.stringify({ entityRef: m[1] }),
      });
  }
  if (
    /\b(?:reveal|print|repeat|include|show|send|leak)\b[^.]*\b(?:system prompt|secret|token|password|api key|credentials?|instructions)/i.test(
      output,
    )
  )
    found.push({ leak: true });
  for (const m of output.matchAll(
    /\b(?:say|write|output)\s*:\s*"([^"]{1,500})"/gi,
  ))
    found.push({ say: m[1] });
  return found;
}
