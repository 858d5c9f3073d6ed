const MASK = '[REDACTED]';

/**
 * Secrets that turn up in log lines. Each pattern's first group, when it
 * has one, is kept (the "Bearer " or "password=" before the secret).
 */
export const BUILT_IN_REDACTIONS: Array<{ name: string; pattern: RegExp }> = [
  {
    name: 'private key',
    pattern:
      /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  },
  { name: 'bearer token', pattern: /(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*/gi },
  {
    name: 'JSON web token',
    pattern: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g,
  },
  {
    name: 'password in a URL',
    pattern: /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]*:)[^@\s/]+(?=@)/gi,
  },
  {
    name: 'AWS access key id',
    pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b/g,
  },
  {
    name: 'AWS secret access key',
    pattern: /(aws_secret_access_key\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}/gi,
  },
  {
    name: 'credential assignment',
    pattern:
      /(\b(?:password|passwd|pwd|secret|client_secret|api[_-]?key|token|access[_-]?token|auth[_-]?token)\b["']?\s*[=:]\s*["']?)[^\s"'&,;]{3,}/gi,
  },
];

/** Masks secrets in log lines before they leave the backend: UI, export, and anything else reading the service. */
export class Redactor {
  private readonly patterns: RegExp[];
  /**
   * Every pattern in one case-insensitive alternation: a superset of what
   * the patterns match, tested once per string, so the (many) strings
   * holding no secret cost one scan instead of one per pattern.
   */
  private readonly anyPattern: RegExp;

  constructor(extra: RegExp[] = []) {
    this.patterns = [
      ...BUILT_IN_REDACTIONS.map(r => r.pattern),
      ...extra.map(
        p =>
          new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`),
      ),
    ];
    this.anyPattern = new RegExp(
      this.patterns.map(p => `(?:${p.source})`).join('|'),
      'i',
    );
  }

  redact(text: string): string {
    if (!this.anyPattern.test(text)) return text;
    let out = text;
    for (const p of this.patterns) {
      p.lastIndex = 0;
      out = out.replace(p, (match: string, ...groups: unknown[]) => {
        const keep =
          typeof groups[0] === 'string' && match.startsWith(groups[0])
            ? groups[0]
            : '';
        return `${keep}${MASK}`;
      });
    }
    return out;
  }

  /** Every string in a (flattened) document. */
  redactFields(fields: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) out[k] = this.redactValue(v);
    return out;
  }

  private redactValue(v: unknown): unknown {
    if (typeof v === 'string') return this.redact(v);
    if (Array.isArray(v)) return v.map(x => this.redactValue(x));
    if (v && typeof v === 'object')
      return this.redactFields(v as Record<string, unknown>);
    return v;
  }
}
