import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The repository's root. This package is only ever run from source (its
 * tests), never built, so __dirname is where the file is.
 */
// eslint-disable-next-line no-restricted-syntax
export const repoRoot = resolve(__dirname, '../../..');

/** A Kubernetes object as kustomize renders it. */
export type KubernetesObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

/** kubectl on PATH (it has kustomize built in), or undefined. */
export function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'kubectl');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `kubectl kustomize <dir>`, parsed into objects. */
export function renderKustomization(
  kubectl: string,
  dir: string,
): KubernetesObject[] {
  const out = execFileSync(kubectl, ['kustomize', dir], {
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out).map(doc => {
    if (doc.errors.length) {
      throw new Error(`kustomize ${dir}: ${doc.errors[0].message}`);
    }
    return doc.toJS() as KubernetesObject;
  });
}
