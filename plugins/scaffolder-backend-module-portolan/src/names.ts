import { resolveSafeChildPath } from '@backstage/backend-plugin-api';

/** A DNS label: what Kubernetes, Argo CD and the catalog all accept. */
export const SERVICE_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Every reason a service name is unusable (empty when it is fine). */
export function serviceNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length === 0) return ['the name is empty'];
  if (name.length > 63) problems.push(`'${name.slice(0, 20)}…' is longer than 63 characters (${name.length})`);
  if (/\s/.test(name)) problems.push(`'${name}' contains spaces`);
  if (/[A-Z]/.test(name)) problems.push(`'${name}' contains upper case letters`);
  if (name.includes('..') || name.includes('/')) problems.push(`'${name}' contains '..' or '/'`);
  if (problems.length === 0 && !new RegExp(SERVICE_NAME_PATTERN).test(name)) {
    problems.push(`'${name}' must be lower case letters, digits and '-', starting and ending with a letter or digit`);
  }
  return problems;
}

/**
 * A path inside the workspace, or an error naming the input: template
 * values never escape the workspace (no `..`, no absolute paths).
 */
export function workspacePath(workspace: string, relative: string | undefined, input: string): string {
  if (relative === undefined || relative === '' || relative === '.') return workspace;
  if (relative.startsWith('/') || /^[A-Za-z]:[\\/]/.test(relative) || relative.split(/[\\/]/).includes('..')) {
    throw new Error(`Input '${input}' must be a relative path inside the workspace, got '${relative}'`);
  }
  return resolveSafeChildPath(workspace, relative);
}
