import { LoggerService } from '@backstage/backend-plugin-api';
import { createConfigSecretEnumerator } from '@backstage/backend-defaults/rootConfig';
import { Config } from '@backstage/config';
import { RequestHandler } from 'express';
import { configLeaves } from './configLeaves';
import {
  interceptResponseBody,
  mapJsonStrings,
  rewriteJson,
} from './interceptResponseBody';

/** Config keys that hold credentials, whatever plugin declares them. */
const SECRET_KEY =
  /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|credentials?)$/i;
/** Shorter values are too likely to be ordinary words. */
const MIN_SECRET_LENGTH = 6;

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;
const TOKEN_PATTERNS: RegExp[] = [
  // JSON Web Tokens (Argo CD, Backstage, OIDC).
  /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g,
  // GitHub tokens, OpenAI-style keys, the sandbox's cluster tokens.
  /\b(?:gh[pousr]_|github_pat_)\w{16,}/g,
  /\bsk-[\w-]{16,}/g,
  /\bsandbox-token-[\w-]+/g,
];
// A credential after the scheme has a digit or symbol ("Basic authentication" stays).
const AUTH_SCHEME =
  /\b(Bearer|Basic)\s+(?=[\w.~+/=-]*[\d.~+/=_-])[\w.~+/=-]{8,}/gi;
const SECRET_ASSIGNMENT =
  /\b(password|passwd|secret|token|access_token|refresh_token|id_token|api[_-]?key|client_secret)(["']?\s*[:=]\s*["']?)(?!\[redacted\])[^\s"'&,;]+/gi;
const NETWORK_ERROR_ADDRESS =
  /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\s+\[?[\w.:-]+\]?/g;
const IPV4_ADDRESS = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Scrubs text meant for a user of internal addresses and credentials:
 * the given secret values, URLs other than the portal's own origins,
 * tokens (JWTs, GitHub, API keys, `Bearer ...`, `password=...`) and the
 * addresses in network errors (`ECONNREFUSED 10.0.0.5:6443`).
 */
export function createErrorScrubber(options: {
  secrets: () => Iterable<string>;
  ownOrigins: string[];
}): (text: string) => string {
  const ownOrigins = new Set(options.ownOrigins);
  return text => {
    let out = text;
    const secrets = [...new Set(options.secrets())]
      .filter(s => s.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length);
    for (const secret of secrets) {
      out = out.replace(new RegExp(escapeRegExp(secret), 'g'), '[redacted]');
    }
    out = out.replace(URL_PATTERN, match => {
      const trailing = TRAILING_PUNCTUATION.exec(match)?.[0] ?? '';
      const url = match.slice(0, match.length - trailing.length);
      try {
        if (ownOrigins.has(new URL(url).origin)) return match;
      } catch {
        // Not a URL after all: scrub it anyway.
      }
      return `[internal URL]${trailing}`;
    });
    for (const pattern of TOKEN_PATTERNS)
      out = out.replace(pattern, '[redacted]');
    out = out.replace(AUTH_SCHEME, '$1 [redacted]');
    out = out.replace(SECRET_ASSIGNMENT, '$1$2[redacted]');
    out = out.replace(NETWORK_ERROR_ADDRESS, '$1 [internal address]');
    out = out.replace(IPV4_ADDRESS, '[internal address]');
    return out;
  };
}

/** Credentials in the config, by the name of their key. */
export function secretsByKeyName(config: Config): string[] {
  return configLeaves(config).flatMap(({ name, value }) =>
    typeof value === 'string' && SECRET_KEY.test(name) ? [value] : [],
  );
}

/**
 * A root middleware that scrubs every error response (status 400 and up) of
 * internal URLs and credentials before it leaves the backend: Backstage's
 * error handler serialises `error.message` and causes, and third-party
 * plugins (Roadie's Argo CD backend) pass upstream messages through. The
 * secrets are the config's values under credential-like keys plus every
 * value a plugin's config schema marks `@visibility secret`.
 */
export function errorResponseScrubbing(options: {
  config: Config;
  logger: LoggerService;
}): RequestHandler & { ready: Promise<void> } {
  const { config, logger } = options;
  let schemaSecrets: string[] = [];
  // Reading every package's schema takes a moment; until then (start-up,
  // before plugins serve) the key names alone decide.
  const ready = createConfigSecretEnumerator({ logger })
    .then(enumerate => {
      schemaSecrets = [...enumerate(config)];
    })
    .catch(error =>
      logger.warn(`Error scrubbing uses config key names only: ${error}`),
    );
  const keySecrets = secretsByKeyName(config);
  const ownOrigins = ['app.baseUrl', 'backend.baseUrl'].flatMap(key => {
    const url = config.getOptionalString(key);
    return url ? [new URL(url).origin] : [];
  });
  const scrub = createErrorScrubber({
    secrets: () => [...keySecrets, ...schemaSecrets],
    ownOrigins,
  });
  const handler: RequestHandler = (_req, res, next) => {
    interceptResponseBody(res, text =>
      res.statusCode >= 400
        ? rewriteJson(text, value => mapJsonStrings(value, scrub), scrub)
        : text,
    );
    next();
  };
  return Object.assign(handler, { ready });
}
