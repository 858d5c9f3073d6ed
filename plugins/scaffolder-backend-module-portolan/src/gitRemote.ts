import { Config } from '@backstage/config';
import git, { HttpClient } from 'isomorphic-git';
import { serviceNameProblems } from './names';

export interface GitRemoteConfig {
  url: string;
  username: string;
  password: string;
}

/** `portolan.git`: the smart-HTTP server new repositories are pushed to. */
export function readGitRemote(config: Config): GitRemoteConfig | undefined {
  const section = config.getOptionalConfig('portolan.git');
  if (!section) return undefined;
  const url = section.getString('url').replace(/\/+$/, '');
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new Error();
    if (parsed.search || parsed.hash || parsed.username || parsed.password)
      throw new Error();
  } catch {
    throw new Error(
      `Invalid config value at 'portolan.git.url': '${url}' is not an http(s) URL without credentials, query or fragment`,
    );
  }
  return {
    url,
    username: section.getString('username'),
    password: section.getString('password'),
  };
}

export function repoUrl(remote: GitRemoteConfig, repo: string): string {
  return `${remote.url}/${repo}.git`;
}

/**
 * The repository a URL names on the configured Git server, or an error
 * saying why it is not one: Argo CD apps only deploy from `portolan.git.url`
 * (`<url>/<repo>.git`, one path segment, a DNS-label name).
 */
export function repoOfUrl(
  remote: GitRemoteConfig | undefined,
  url: string,
): { repo?: string; problem?: string } {
  if (!remote)
    return {
      problem:
        'portolan.git.url is not configured, so no repository URL can be trusted',
    };
  const prefix = `${remote.url}/`;
  if (!url.startsWith(prefix) || !url.endsWith('.git')) {
    return {
      problem: `'${url}' is not a repository on ${remote.url} (<url>/<name>.git)`,
    };
  }
  const repo = url.slice(prefix.length, -'.git'.length);
  const problems = serviceNameProblems(repo);
  if (problems.length)
    return {
      problem: `'${url}' names no usable repository: ${problems.join('; ')}`,
    };
  return { repo };
}

/** What a repository holds, as its Git server advertises it. */
export interface RemoteRefs {
  exists: boolean;
  /** The branch HEAD points to (its default branch), when it exists and has one. */
  defaultBranch?: string;
  branches: string[];
}

/** A fetch-based HTTP client for isomorphic-git, with a timeout on every request. */
function httpWithTimeout(timeoutMs: number): HttpClient {
  return {
    async request({ url, method = 'GET', headers = {}, body }) {
      let payload: Buffer | undefined;
      if (body) {
        const chunks: Uint8Array[] = [];
        for await (const chunk of body) chunks.push(chunk);
        payload = Buffer.concat(chunks);
      }
      const res = await fetch(url, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      return {
        url: res.url,
        method,
        statusCode: res.status,
        statusMessage: res.statusText,
        headers: Object.fromEntries(res.headers.entries()),
        body: (async function* one() {
          yield bytes;
        })(),
      };
    },
  };
}

/**
 * The branches of a repository and its default branch (HEAD's target),
 * from the ref advertisement every Git server answers (`git ls-remote
 * --symref`); a repository the server does not have (404) does not exist.
 */
export async function readRemoteRefs(
  remote: GitRemoteConfig,
  repo: string,
  timeoutMs = 5000,
): Promise<RemoteRefs> {
  try {
    const refs = await git.listServerRefs({
      http: httpWithTimeout(timeoutMs),
      url: repoUrl(remote, repo),
      headers: {
        Authorization: `Basic ${Buffer.from(
          `${remote.username}:${remote.password}`,
        ).toString('base64')}`,
      },
      protocolVersion: 1,
      symrefs: true,
    });
    const head = refs.find(r => r.ref === 'HEAD')?.target;
    return {
      exists: true,
      defaultBranch: head?.startsWith('refs/heads/')
        ? head.slice('refs/heads/'.length)
        : undefined,
      branches: refs
        .filter(r => r.ref.startsWith('refs/heads/'))
        .map(r => r.ref.slice('refs/heads/'.length)),
    };
  } catch (error) {
    const e = error as Error & {
      code?: string;
      data?: { statusCode?: number };
    };
    if (e.code === 'HttpError' && e.data?.statusCode === 404)
      return { exists: false, branches: [] };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') {
      throw new Error(
        `Git server ${remote.url} did not answer within ${
          timeoutMs / 1000
        } s for ${repo}`,
      );
    }
    const status = e.data?.statusCode
      ? `answered ${e.data.statusCode}`
      : `failed (${e.message})`;
    throw new Error(`Git server ${remote.url} ${status} for ${repo}`);
  }
}
