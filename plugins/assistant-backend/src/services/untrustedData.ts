import type { AssistantSource } from '@portolan/plugin-assistant-common';

/**
 * Tool output goes to the model between these markers, as data. Markers
 * inside the data are defused, so it cannot close the block early.
 */
export function asUntrustedData(tool: string, body: string): string {
  const safe = body.replace(/<\s*\/?\s*untrusted-data/gi, '< untrusted_data');
  return `<untrusted-data tool="${tool}">\n${safe}\n</untrusted-data>`;
}

const LINK_KEY = /(url|link|href)$/i;

function titleOf(key: string, tool: string): string {
  const words = key
    .replace(/(Url|URL|Link|Href|url|link|href)$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words ? `${words} (${tool})` : tool;
}

/**
 * Links in a tool's output (`deploymentsTabUrl`, `argoCdUrl`, a log
 * search's `url`...): the sources an answer cites. They come from the
 * tools, never from the model's text; only http(s) and portal paths.
 */
export function sourcesIn(
  tool: string,
  output: unknown,
  limit = 12,
): AssistantSource[] {
  const out: AssistantSource[] = [];
  const seen = new Set<string>();
  const walk = (v: unknown, key: string, depth: number) => {
    if (out.length >= limit || depth > 6) return;
    if (typeof v === 'string') {
      if (
        LINK_KEY.test(key) &&
        (/^https?:\/\//.test(v) || /^\/[^/]/.test(v)) &&
        !seen.has(v)
      ) {
        seen.add(v);
        out.push({ title: titleOf(key, tool), url: v, tool });
      }
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) walk(item, key, depth + 1);
      return;
    }
    if (v && typeof v === 'object')
      for (const [k, child] of Object.entries(v)) walk(child, k, depth + 1);
  };
  walk(output, '', 0);
  return out;
}
