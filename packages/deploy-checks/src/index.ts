/*
 * Helpers for the deployment checks: where the repository is, the
 * Kustomize overlays rendered as objects, and each object's schema.
 */
export { repoRoot, findKubectl, renderKustomization } from './kustomize';
export { validateKubernetesObject } from './validateKubernetesObject';
