import { TextClause, matchesClause, tokenize } from './textAnalysis';

/** A test of a line's parameter: whether its rendered message satisfies something. */
export type ParamTest = (param: number) => boolean;

/** A 32-bit hash (murmur3's finaliser) of a few integers: seeds every generated value. */
export function mix(...values: number[]): number {
  let h = 0x9747b28c;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++)
    h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Values a placeholder takes: a closed vocabulary, or an open generator (numbers, ids, secrets). */
type Vocabulary =
  | { closed: readonly string[] }
  | {
      open: (h: number) => string;
      /** what its tokens look like (undefined: anything) */ shape?: RegExp;
    };

const hex = (h: number, n: number) => {
  let out = '';
  let x = h;
  while (out.length < n) {
    out += (x >>> 0).toString(16).padStart(8, '0');
    x = mix(x, out.length);
  }
  return out.slice(0, n);
};

/** The fixed vocabularies; `upstream` is filled with the world's services. */
function vocabularies(services: readonly string[]): Record<string, Vocabulary> {
  return {
    upstream: {
      closed: [...services, 'postgres', 'redis', 'kafka', 'stripe-api'],
    },
    method: { closed: ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'] },
    path: {
      closed: [
        '/api/v1/orders',
        '/api/v1/carts',
        '/api/v1/payments',
        '/api/v1/products',
        '/api/v1/search',
        '/api/v1/users/me',
        '/api/v1/sessions',
        '/api/v1/invoices',
      ],
    },
    status: {
      closed: ['200', '200', '200', '200', '201', '204', '304', '404'],
    },
    status5xx: { closed: ['500', '502', '503'] },
    queue: {
      closed: [
        'orders',
        'payments',
        'notifications',
        'invoices',
        'search-index',
      ],
    },
    table: {
      closed: ['orders', 'carts', 'users', 'payments', 'products', 'sessions'],
    },
    flag: {
      closed: ['new-checkout', 'fast-search', 'risk-v2', 'async-invoices'],
    },
    handler: {
      closed: [
        'OrderController.create',
        'CartService.merge',
        'PaymentClient.charge',
        'SearchIndexer.refresh',
        'SessionStore.touch',
        'InvoiceRenderer.render',
      ],
    },
    port: { closed: ['5432', '6379', '9092', '443', '8080'] },
    exception: {
      closed: [
        'NullPointerException',
        'IllegalStateException',
        'TimeoutException',
        'SocketException',
      ],
    },
    ms: { open: h => String(3 + (h % 480)), shape: /^\d+$/ },
    slowms: { open: h => String(520 + (h % 4000)), shape: /^\d+$/ },
    n: { open: h => String(1 + (h % 500)), shape: /^\d+$/ },
    pct: { open: h => String(50 + (h % 50)), shape: /^\d+$/ },
    id: { open: h => hex(h, 8), shape: /^[0-9a-f]{8}$/ },
    user: { open: h => `u-${10000 + (h % 90000)}`, shape: /^(u|\d{5})$/ },
    // Secrets some services leak into their logs; the portal masks them.
    jwt: {
      open: h =>
        `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(
          `{"sub":"u-${h % 90000}","iat":${1700000000 + (h % 1000000)}}`,
        ).toString('base64url')}.${hex(mix(h, 1), 43)}`,
    },
    password: {
      open: h => `pw${hex(mix(h, 2), 12)}`,
      shape: /^pw[0-9a-f]{12}$/,
    },
    akid: {
      open: h => `AKIA${hex(mix(h, 3), 16).toUpperCase()}`,
      shape: /^akia[0-9a-f]{16}$/,
    },
    pem: {
      open: h =>
        `MIIEowIBAAKCAQEA${Buffer.from(hex(mix(h, 4), 48)).toString('base64')}`,
    },
  };
}

export interface LogTemplate {
  id: number;
  level: string;
  logger: string;
  text: string;
  /** Tokens every rendered message has. */
  staticTokens: Set<string>;
  /** Tokens a rendered message may have (static + closed vocabularies). */
  possibleTokens: Set<string>;
  /** Token shapes open placeholders (numbers, ids, secrets) produce; `undefined` in the list: anything. */
  openShapes: Array<RegExp | undefined>;
  placeholders: string[];
  errorType?: string;
}

interface TemplateSpec {
  level: string;
  logger: string;
  text: string;
  errorType?: string;
}

const BACKGROUND: TemplateSpec[] = [
  {
    level: 'debug',
    logger: 'db',
    text: 'Query on {table} took {ms} ms, rows={n}',
  },
  {
    level: 'debug',
    logger: 'flags',
    text: 'Feature flag {flag} evaluated for user {user}',
  },
  {
    level: 'info',
    logger: 'http',
    text: '{method} {path} {status} in {ms} ms',
  },
  {
    level: 'info',
    logger: 'http',
    text: '{method} {path}/{id} {status} in {ms} ms',
  },
  {
    level: 'info',
    logger: 'worker',
    text: 'Handled {n} messages from queue {queue}',
  },
  {
    level: 'info',
    logger: 'cache',
    text: 'Cache hit ratio {pct}% over the last minute',
  },
  {
    level: 'info',
    logger: 'pool',
    text: 'Connection pool to {upstream} has {n} idle connections',
  },
  { level: 'info', logger: 'health', text: 'Health check passed' },
  {
    level: 'info',
    logger: 'session',
    text: 'Session refreshed for user {user}',
  },
  {
    level: 'warn',
    logger: 'http',
    text: 'Slow response from {upstream}: {slowms} ms (threshold 500ms)',
  },
  {
    level: 'warn',
    logger: 'http',
    text: 'Retrying request to {upstream} (attempt 2 of 3)',
  },
  {
    level: 'warn',
    logger: 'pool',
    text: 'Connection pool to {upstream} at {pct}% capacity',
  },
  {
    level: 'error',
    logger: 'http',
    text: 'Timeout after 5000ms calling {upstream}',
    errorType: 'TimeoutException',
  },
  {
    level: 'error',
    logger: 'db',
    text: 'Connection refused: {upstream}:{port}',
    errorType: 'ConnectException',
  },
  {
    level: 'error',
    logger: 'app',
    text: 'Unhandled {exception} in {handler}',
    errorType: 'UnhandledException',
  },
];
const TRACED: TemplateSpec[] = [
  {
    level: 'info',
    logger: 'http',
    text: '{method} {path} {status} in {ms} ms',
  },
  {
    level: 'info',
    logger: 'client',
    text: 'Called {upstream} {method} {path}: {status} in {ms} ms',
  },
];
/** A caller's line when its upstream fails (error bursts). */
const CALLER_OF_FAILURE: TemplateSpec[] = [
  {
    level: 'warn',
    logger: 'client',
    text: 'Upstream {upstream} returned {status5xx} for {method} {path}, retrying',
  },
];
/** What a failing canary (or a crash-looping new version) logs. */
const BURST: TemplateSpec[] = [
  {
    level: 'error',
    logger: 'http',
    text: 'POST {path} failed with {status5xx}: IllegalStateException: connection pool exhausted',
    errorType: 'IllegalStateException',
  },
  {
    level: 'error',
    logger: 'app',
    text: 'Unhandled NullPointerException in {handler} after deploy of new version',
    errorType: 'NullPointerException',
  },
  {
    level: 'error',
    logger: 'db',
    text: 'Database connection failed: too many connections for role app (max 100)',
    errorType: 'PSQLException',
  },
  {
    level: 'warn',
    logger: 'health',
    text: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
  },
];
const SECRET: TemplateSpec[] = [
  {
    level: 'warn',
    logger: 'client',
    text: 'Retrying {upstream} call with header Authorization: Bearer {jwt}',
  },
  {
    level: 'info',
    logger: 'db',
    text: 'Connecting to postgres://app:{password}@{upstream}-db:5432/app',
  },
  {
    level: 'info',
    logger: 'aws',
    text: 'Loaded AWS credentials {akid} from the environment',
  },
  {
    level: 'error',
    logger: 'tls',
    text: 'Bad TLS key: -----BEGIN RSA PRIVATE KEY-----{pem}-----END RSA PRIVATE KEY-----',
    errorType: 'KeyException',
  },
];

/** The message templates of the generated logs, with what their rendered text can contain. */
export class LogTemplates {
  readonly all: LogTemplate[] = [];
  readonly background: LogTemplate[];
  readonly traced: LogTemplate[];
  /** Per failing service: what its callers log (the upstream named). */
  readonly callerOfFailure = new Map<string, LogTemplate>();
  readonly burst: LogTemplate[];
  readonly secret: LogTemplate[];
  private readonly vocab: Record<string, Vocabulary>;

  constructor(services: readonly string[]) {
    this.vocab = vocabularies(services);
    const make = (specs: TemplateSpec[]) => specs.map(s => this.add(s));
    this.background = make(BACKGROUND);
    this.traced = make(TRACED);
    for (const service of services) {
      this.callerOfFailure.set(
        service,
        this.add({
          ...CALLER_OF_FAILURE[0],
          text: CALLER_OF_FAILURE[0].text.replace('{upstream}', service),
        }),
      );
    }
    this.burst = make(BURST);
    this.secret = make(SECRET);
  }

  private add(spec: TemplateSpec): LogTemplate {
    const placeholders = [...spec.text.matchAll(/\{(\w+)\}/g)].map(m => m[1]);
    const staticTokens = new Set(tokenize(spec.text.replace(/\{\w+\}/g, ' ')));
    const possibleTokens = new Set(staticTokens);
    const openShapes: Array<RegExp | undefined> = [];
    // A placeholder glued to a word would make tokens no vocabulary lists.
    if (/[\p{L}\p{N}_.']\{|\}[\p{L}\p{N}_.']/u.test(spec.text)) {
      throw new Error(
        `log template glues a placeholder to a word: ${spec.text}`,
      );
    }
    for (const p of placeholders) {
      const v = this.vocab[p];
      if ('open' in v) openShapes.push(v.shape);
      else
        for (const word of v.closed)
          for (const t of tokenize(word)) possibleTokens.add(t);
    }
    const t: LogTemplate = {
      id: this.all.length,
      ...spec,
      staticTokens,
      possibleTokens,
      openShapes,
      placeholders,
    };
    this.all.push(t);
    return t;
  }

  /** The value of placeholder number `i` for a line's parameter. */
  value(template: LogTemplate, param: number, i: number): string {
    const v = this.vocab[template.placeholders[i]];
    const h = mix(param, i + 1);
    return 'open' in v ? v.open(h) : v.closed[h % v.closed.length];
  }

  /**
   * Whether a template's messages contain a clause: surely (true), surely
   * not (false), or a test of the line's parameter that computes only the
   * placeholder values that could supply the term (no message is built).
   */
  clauseTest(template: LogTemplate, clause: TextClause): boolean | ParamTest {
    if (clause.kind === 'phrase' && clause.tokens.length === 1) {
      return this.clauseTest(template, {
        kind: 'term',
        value: clause.tokens[0],
      });
    }
    if (clause.kind === 'phrase') {
      for (const token of clause.tokens) {
        if (this.clauseTest(template, { kind: 'term', value: token }) === false)
          return false;
      }
      return param =>
        matchesClause(tokenize(this.render(template, param).message), clause);
    }
    const { value, prefix } = clause;
    const hit = (token: string) =>
      prefix ? token.startsWith(value) : token === value;
    for (const token of template.staticTokens) if (hit(token)) return true;
    const tests: ParamTest[] = [];
    template.placeholders.forEach((name, j) => {
      const v = this.vocab[name];
      if ('closed' in v) {
        const matching = new Set<number>();
        v.closed.forEach((word, i) => {
          if (tokenize(word).some(hit)) matching.add(i);
        });
        const n = v.closed.length;
        if (matching.size === n) tests.push(() => true);
        else if (matching.size)
          tests.push(param => matching.has(mix(param, j + 1) % n));
      } else if (
        !v.shape ||
        v.shape.test(value) ||
        (prefix && /^[0-9a-z]+$/.test(value))
      ) {
        tests.push(param => tokenize(v.open(mix(param, j + 1))).some(hit));
      }
    });
    if (tests.length === 0) return false;
    if (tests.length === 1) return tests[0];
    return param => tests.some(t => t(param));
  }

  render(
    template: LogTemplate,
    param: number,
  ): { message: string; values: Record<string, string> } {
    let i = 0;
    const values: Record<string, string> = {};
    const message = template.text.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = this.value(template, param, i++);
      values[name] ??= value;
      return value;
    });
    return { message, values };
  }
}
