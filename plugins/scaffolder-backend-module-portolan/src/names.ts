import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import isGitBranchNameValid from 'is-git-branch-name-valid';

/** A DNS label: what Kubernetes, Argo CD and the catalog all accept. */
export const SERVICE_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Every reason a service name is unusable (empty when it is fine). */
export function serviceNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length === 0) return ['the name is empty'];
  if (name.length > 63)
    problems.push(
      `'${name.slice(0, 20)}…' is longer than 63 characters (${name.length})`,
    );
  if (/\s/.test(name)) problems.push(`'${name}' contains spaces`);
  if (/[A-Z]/.test(name))
    problems.push(`'${name}' contains upper case letters`);
  if (name.includes('..') || name.includes('/'))
    problems.push(`'${name}' contains '..' or '/'`);
  if (problems.length === 0 && !new RegExp(SERVICE_NAME_PATTERN).test(name)) {
    problems.push(
      `'${name}' must be lower case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  return problems;
}

/**
 * Namespaces an onboarded service never deploys to: the cluster's own, Argo
 * CD's, and `default` (shared by everything that forgot to pick one).
 */
export const RESERVED_NAMESPACES: readonly string[] = [
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'argocd',
  'default',
];

/** Every reason a Kubernetes namespace is unusable for a service. */
export function namespaceProblems(namespace: string): string[] {
  if (RESERVED_NAMESPACES.includes(namespace))
    return [`'${namespace}' is reserved (${RESERVED_NAMESPACES.join(', ')})`];
  return serviceNameProblems(namespace);
}

/** Every reason an Argo CD project name is unusable for a service. */
export function projectProblems(project: string): string[] {
  if (project === 'default')
    return [
      "'default' is Argo CD's catch-all project; a service deploys in its system's project",
    ];
  return serviceNameProblems(project);
}

/** Branches nothing may push to directly, whatever a repository calls its default. */
export const PROTECTED_BRANCHES: readonly string[] = ['main', 'master'];

/**
 * Every reason a branch name is unusable: `git check-ref-format --branch`
 * rules (no `..`, `~^:?*[\`, spaces, control characters, `@{`, `.lock`,
 * leading `-`, `HEAD`...), at most 100 characters.
 */
export function branchNameProblems(branch: string): string[] {
  if (branch.length > 100)
    return [`'${branch.slice(0, 20)}…' is longer than 100 characters`];
  if (!isGitBranchNameValid(branch))
    return [`'${branch}' is not a valid Git branch name`];
  return [];
}

/**
 * A path inside the workspace, or an error naming the input: template
 * values never escape the workspace (no `..`, no absolute paths).
 */
export function workspacePath(
  workspace: string,
  relative: string | undefined,
  input: string,
): string {
  if (relative === undefined || relative === '' || relative === '.')
    return workspace;
  if (
    relative.startsWith('/') ||
    /^[A-Za-z]:[\\/]/.test(relative) ||
    relative.split(/[\\/]/).includes('..')
  ) {
    throw new Error(
      `Input '${input}' must be a relative path inside the workspace, got '${relative}'`,
    );
  }
  return resolveSafeChildPath(workspace, relative);
}
