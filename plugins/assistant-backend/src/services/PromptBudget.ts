import { countTokens, encode, decode } from 'gpt-tokenizer';
import type {
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';

/** Tokens of a message as chat models count them (content plus a few of framing). */
export function messageTokens(m: ChatCompletionMessageParam): number {
  let n = 4;
  const c = m.content;
  if (typeof c === 'string') n += countTokens(c);
  else if (Array.isArray(c))
    for (const part of c)
      if ('text' in part && typeof part.text === 'string')
        n += countTokens(part.text);
  if (m.role === 'assistant' && m.tool_calls)
    for (const call of m.tool_calls)
      if (call.type === 'function')
        n += countTokens(call.function.name + call.function.arguments) + 4;
  return n;
}

export function promptTokens(
  messages: ChatCompletionMessageParam[],
  tools: ChatCompletionTool[],
): number {
  return (
    messages.reduce((n, m) => n + messageTokens(m), 3) +
    (tools.length ? countTokens(JSON.stringify(tools)) : 0)
  );
}

/** Cuts text to at most `max` tokens, saying so. */
export function truncateToTokens(text: string, max: number): string {
  const tokens = encode(text);
  if (tokens.length <= max) return text;
  return `${decode(tokens.slice(0, Math.max(0, max - 12)))}… [truncated: ${
    tokens.length
  } tokens]`;
}

/**
 * A tool's output made small: the first items of every list (the actions
 * return newest/most relevant first), long strings cut, keys kept.
 */
export function summarizeJson(
  value: unknown,
  maxItems: number,
  maxString: number,
): unknown {
  if (typeof value === 'string')
    return value.length > maxString ? `${value.slice(0, maxString)}…` : value;
  if (Array.isArray(value)) {
    const items = value
      .slice(0, maxItems)
      .map(v => summarizeJson(v, maxItems, maxString));
    return value.length > maxItems
      ? [...items, `… ${value.length - maxItems} more`]
      : items;
  }
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        summarizeJson(v, maxItems, maxString),
      ]),
    );
  return value;
}

/** JSON of a tool's output within `maxTokens`: fewer items first, then a hard cut. */
export function fitJson(value: unknown, maxTokens: number): string {
  for (const [items, chars] of [
    [20, 400],
    [10, 240],
    [5, 160],
    [3, 100],
  ]) {
    const text = JSON.stringify(summarizeJson(value, items, chars));
    if (countTokens(text) <= maxTokens) return text;
  }
  return truncateToTokens(
    JSON.stringify(summarizeJson(value, 3, 100)),
    maxTokens,
  );
}
