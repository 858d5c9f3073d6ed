import { Config } from '@backstage/config';
import { ConfigLeaf, configLeaves } from './configLeaves';
import { isLoopbackHost } from '@portolan/argocd-node';

/** What the start-up checks found: errors stop the backend, warnings are logged. */
export interface StartupConfigReport {
  errors: string[];
  warnings: string[];
}

/**
 * The sandbox's fixed credentials (packages/sandbox/src/index.ts and its
 * Kubernetes stand-in), which must never reach a real deployment.
 */
const SANDBOX_PASSWORD = 'portolan-sandbox';
const SANDBOX_TOKEN = /^sandbox-token-/;

/**
 * Keys whose `http:` URLs are the portal's own addresses or browser-side
 * links, not upstreams the backend talks to.
 */
const NOT_UPSTREAM = [
  /^app\./,
  /^backend\.(baseUrl|cors|csp|reading)\b/,
  /^auth\.providers\.[^.]+\.[^.]+\.callbackUrl$/,
];

/** Switches that turn TLS certificate verification off when true. */
const SKIP_TLS_KEYS = new Set(['skiptlsverify', 'insecureskiptlsverify']);
/** Switches that turn it off when false. */
const VERIFY_TLS_KEYS = new Set(['rejectunauthorized']);

/** `auth.environment: production`: the deployment real users sign in to. */
export function isProductionConfig(config: Config): boolean {
  return config.getOptionalString('auth.environment') === 'production';
}

function httpProblem({ key, value }: ConfigLeaf): string | undefined {
  if (typeof value !== 'string' || !/^http:\/\//i.test(value)) return undefined;
  if (NOT_UPSTREAM.some(pattern => pattern.test(key))) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${key} is not a valid URL`;
  }
  if (isLoopbackHost(url.hostname)) return undefined;
  return (
    `${key} is plain http:// to ${url.host}: plain HTTP is allowed only to this machine ` +
    `(localhost, 127.0.0.1, ::1), where nothing crosses a network; use https://`
  );
}

/** `undefined` when the leaf is no TLS switch; else whether it turns verification off. */
function tlsOff({ name, value }: ConfigLeaf): boolean | 'invalid' | undefined {
  const lower = name.toLowerCase();
  const skips = SKIP_TLS_KEYS.has(lower);
  if (!skips && !VERIFY_TLS_KEYS.has(lower)) return undefined;
  if (typeof value !== 'boolean') return 'invalid';
  return skips ? value : !value;
}

/**
 * Start-up checks of the merged config, before any plugin serves:
 *
 * - upstream URLs (Argo CD, clusters, Git, search, cost and model APIs,
 *   proxies, integrations...) use `http:` only towards loopback hosts;
 * - TLS verification is switched off only by an explicit boolean, never in
 *   production, and never for the whole process (NODE_TLS_REJECT_UNAUTHORIZED);
 * - production (`auth.environment: production`) has none of the sandbox's
 *   credentials or sign-in shortcuts.
 *
 * Every message names the config key (never a secret's value).
 */
export function checkStartupConfig(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
): StartupConfigReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const production = isProductionConfig(config);
  const leaves = configLeaves(config);

  for (const leaf of leaves) {
    const http = httpProblem(leaf);
    if (http) errors.push(http);

    const off = tlsOff(leaf);
    if (off === 'invalid') {
      errors.push(
        `${leaf.key} must be a boolean (true or false): TLS verification is only switched off explicitly`,
      );
    } else if (off && production) {
      errors.push(
        `${leaf.key} switches TLS verification off, which production (auth.environment: production) refuses; ` +
          'give the CA instead (caData / caFile / ca)',
      );
    } else if (off) {
      warnings.push(
        `${leaf.key} switches TLS verification off for that upstream (allowed outside production only)`,
      );
    }

    if (production && typeof leaf.value === 'string') {
      if (leaf.value === SANDBOX_PASSWORD) {
        errors.push(
          `${leaf.key} is the sandbox's password: production needs the real credential`,
        );
      } else if (SANDBOX_TOKEN.test(leaf.value)) {
        errors.push(
          `${leaf.key} is a sandbox token: production needs the real credential`,
        );
      }
    }
    if (
      production &&
      leaf.name === 'dangerouslyAllowSignInWithoutUserInCatalog' &&
      leaf.value === true
    ) {
      errors.push(
        `${leaf.key} is true: in production every user who signs in must exist in the catalog`,
      );
    }
  }

  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    errors.push(
      'NODE_TLS_REJECT_UNAUTHORIZED=0 switches TLS verification off for every upstream at once; ' +
        'unset it and give the CA of the upstream that needs one (caData / caFile, or NODE_EXTRA_CA_CERTS)',
    );
  }

  if (production) {
    if (config.getOptional('portolan.sandbox.enabled') === true) {
      errors.push(
        'portolan.sandbox.enabled is true in production (auth.environment: production)',
      );
    }
    if (config.has('auth.providers.sandbox')) {
      errors.push(
        'auth.providers.sandbox is configured in production: sandbox sign-in lets anyone be anyone',
      );
    }
    if (
      config.getOptional(
        'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
      ) === true
    ) {
      errors.push(
        'auth.providers.guest.dangerouslyAllowOutsideDevelopment is true in production',
      );
    }
    const offered =
      config.getOptionalStringArray('portolan.signIn.providers') ?? [];
    for (const provider of offered.filter(
      p => p === 'guest' || p === 'sandbox',
    )) {
      errors.push(
        `portolan.signIn.providers offers '${provider}' in production`,
      );
    }
    // Replicas must sign and read the same result cursors: a key made at
    // start differs per process, and "more" fails on the other replica.
    if (
      config.has('logs.clusters') &&
      !config.getOptionalString('logs.cursorSecret')
    ) {
      errors.push(
        'logs.cursorSecret is not set in production: every replica needs the same key (at least 16 characters) to page through log results',
      );
    }
  }

  if (
    config.has('auth.providers.github') &&
    (
      config.getOptionalStringArray('portolan.signIn.github.organizations') ??
      []
    ).length === 0
  ) {
    errors.push(
      'auth.providers.github is configured but portolan.signIn.github.organizations is empty: ' +
        'name the GitHub organisations whose members may sign in',
    );
  }

  return { errors, warnings };
}
