import { Config } from '@backstage/config';
import {
  ScmIntegrationRegistry,
  ScmIntegrations,
} from '@backstage/integration';
import gitUrlParse from 'git-url-parse';

/**
 * A commit's web page on each kind of forge, from the repository's web URL
 * (no `.git`, no trailing slash). Kinds without a stable commit page for a
 * clone URL (Gerrit, Harness, CodeCommit, buckets) get no link: none is
 * better than a wrong one.
 */
const COMMIT_PAGE: Record<string, (repo: URL, sha: string) => string> = {
  github: (repo, sha) => `${repo}/commit/${sha}`,
  gitea: (repo, sha) => `${repo}/commit/${sha}`,
  azure: (repo, sha) => `${repo}/commit/${sha}`,
  gitlab: (repo, sha) => `${repo}/-/commit/${sha}`,
  bitbucketCloud: (repo, sha) => `${repo}/commits/${sha}`,
  // Clones are /scm/<project>/<repo> (https) or /<project>/<repo> (ssh);
  // pages are /projects/<project>/repos/<repo>.
  bitbucketServer: (repo, sha) => {
    const m = /^(.*?)(?:\/scm)?\/([^/]+)\/([^/]+)$/.exec(repo.pathname);
    if (!m) return `${repo}/commits/${sha}`;
    return `${repo.origin}${m[1]}/projects/${m[2]}/repos/${m[3]}/commits/${sha}`;
  },
};

/**
 * Links to commits from an Argo CD source's repository URL (https or ssh
 * form) and a revision. Which forge a host is comes from the SCM
 * integrations (`integrations` in app-config, plus Backstage's defaults:
 * github.com, gitlab.com, bitbucket.org, dev.azure.com); a host without
 * one gets the most common form, `<repo>/commit/<sha>`.
 */
export class CommitLinks {
  static fromConfig(config: Config): CommitLinks {
    return new CommitLinks(ScmIntegrations.fromConfig(config));
  }

  private constructor(private readonly integrations: ScmIntegrationRegistry) {}

  /** The commit's web page, or undefined for a branch, tag or unlinkable repository. */
  commitUrl(repoUrl: string, revision: string): string | undefined {
    if (!/^[0-9a-f]{7,64}$/i.test(revision)) return undefined;
    const repo = repositoryWebUrl(repoUrl);
    if (!repo) return undefined;
    const integration = this.integrations.byUrl(repo);
    if (!integration) return `${repo}/commit/${revision}`;
    return COMMIT_PAGE[integration.type]?.(repo, revision);
  }
}

/**
 * The repository's web URL from a clone URL: https as is (without
 * credentials), ssh (`git@host:path`, `ssh://git@host:port/path`) on https
 * at the same host (the ssh port is not the web port).
 */
function repositoryWebUrl(repoUrl: string): URL | undefined {
  let parsed: gitUrlParse.GitUrl;
  try {
    parsed = gitUrlParse(repoUrl.trim());
  } catch {
    return undefined;
  }
  const { protocol, resource, port, pathname } = parsed;
  if (!resource || !['https', 'http', 'ssh'].includes(protocol)) {
    return undefined;
  }
  try {
    const url = new URL(
      `${protocol === 'http' ? 'http' : 'https'}://${resource}`,
    );
    if (protocol !== 'ssh' && port) url.port = String(port);
    url.pathname = pathname.replace(/\/+$/, '').replace(/\.git$/, '');
    return url.pathname === '/' ? undefined : url;
  } catch {
    return undefined;
  }
}
