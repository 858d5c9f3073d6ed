import { globMatch } from './glob';

/** The parts of an AppProject spec Argo CD checks an app against. */
export interface ProjectPermissionSpec {
  sourceRepos?: string[];
  destinations?: Array<{ server?: string; name?: string; namespace?: string }>;
  sourceNamespaces?: string[];
}

/** A cluster Argo CD knows (its cluster secret): API server URL and name. */
export interface KnownCluster {
  server: string;
  name: string;
}

/**
 * util/git.NormalizeGitURL: lower-cased, `.git` trimmed, scp-style SSH
 * (`git@host:org/repo`) as `host/org/repo`; what sourceRepos patterns are
 * matched against.
 */
export function normalizeGitUrl(repo: string): string {
  let r = repo.trim().toLowerCase();
  if (/^(ssh:\/\/)?([^/:]*?)@[^@]+$/.test(r)) {
    if (!r.startsWith('ssh://')) r = `ssh://${r.replace(':', '/')}`;
  }
  r = r.replace(/\.git$/, '');
  return r.replace(/^ssh:\/\//, '');
}

const isDeny = (pattern: string | undefined) => !!pattern?.startsWith('!');

/** globMatch of app_project_types.go: a `!` pattern matches what it does not. */
function projectGlob(
  pattern: string | undefined,
  value: string,
  separators: string[] = [],
): boolean {
  const p = pattern ?? '';
  if (isDeny(p)) return !globMatch(p.slice(1), value, separators);
  if (p === '*') return true;
  return globMatch(p, value, separators);
}

/** AppProject.IsSourcePermitted: some pattern matches and no deny pattern refuses. */
export function isSourcePermitted(
  project: ProjectPermissionSpec,
  repoURL: string,
): boolean {
  const source = normalizeGitUrl(repoURL);
  let matched = false;
  for (const repo of project.sourceRepos ?? []) {
    const pattern = isDeny(repo)
      ? `!${normalizeGitUrl(repo.slice(1))}`
      : normalizeGitUrl(repo);
    if (projectGlob(pattern, source, ['/'])) matched = true;
    else if (isDeny(pattern)) return false;
  }
  return matched;
}

/** AppProject.isDestinationMatched, for a resolved cluster and a namespace. */
export function isDestinationPermitted(
  project: ProjectPermissionSpec,
  cluster: KnownCluster,
  namespace: string,
): boolean {
  let matched = false;
  for (const item of project.destinations ?? []) {
    const nameMatched = !!cluster.name && projectGlob(item.name, cluster.name);
    const serverMatched =
      !!cluster.server && projectGlob(item.server, cluster.server);
    const namespaceMatched = projectGlob(item.namespace, namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) matched = true;
    else if (
      (!nameMatched && isDeny(item.name)) ||
      (!serverMatched && isDeny(item.server) && namespaceMatched)
    )
      return false;
    else if (!namespaceMatched && isDeny(item.namespace) && serverMatched)
      return false;
  }
  return matched;
}
