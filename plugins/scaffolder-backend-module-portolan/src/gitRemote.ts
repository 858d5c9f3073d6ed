import { Config } from '@backstage/config';

export interface GitRemoteConfig {
  url: string;
  username: string;
  password: string;
}

/** `portolan.git`: the smart-HTTP server new repositories are pushed to. */
export function readGitRemote(config: Config): GitRemoteConfig | undefined {
  const git = config.getOptionalConfig('portolan.git');
  if (!git) return undefined;
  const url = git.getString('url').replace(/\/+$/, '');
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
  } catch {
    throw new Error(`Invalid config value at 'portolan.git.url': '${url}' is not an http(s) URL`);
  }
  return { url, username: git.getString('username'), password: git.getString('password') };
}

export function repoUrl(remote: GitRemoteConfig, repo: string): string {
  return `${remote.url}/${repo}.git`;
}

/**
 * Whether a repository exists, by the smart-HTTP discovery every Git
 * server answers (`info/refs`): 200 yes, 404 no.
 */
export async function repoExists(remote: GitRemoteConfig, repo: string, timeoutMs = 5000): Promise<boolean> {
  const res = await fetch(`${repoUrl(remote, repo)}/info/refs?service=git-upload-pack`, {
    headers: { Authorization: `Basic ${Buffer.from(`${remote.username}:${remote.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status === 404) return false;
  if (res.ok) return true;
  throw new Error(`Git server ${remote.url} answered ${res.status} for ${repo}`);
}
