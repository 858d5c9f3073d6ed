import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import type { KubernetesObject } from './kustomize';

type Validatable = { validate(): void };
type ModelClass = new (data: any) => Validatable;

// The kinds Portolan's manifests use. Another kind fails the check until
// its schema is added here, so nothing goes unvalidated.
const models: Record<string, ModelClass> = {
  'v1/Namespace': core.Namespace,
  'v1/ServiceAccount': core.ServiceAccount,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Secret': core.Secret,
  'v1/Service': core.Service,
  'apps/v1/Deployment': apps.Deployment,
  'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': networking.Ingress,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
};

/**
 * Validates an object against the Kubernetes OpenAPI schema of its
 * apiVersion and kind (kubernetes-models); throws naming the object.
 */
export function validateKubernetesObject(
  object: KubernetesObject,
  extraModels: Record<string, ModelClass> = {},
): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const Model = extraModels[key] ?? models[key];
  const what = `${key} ${object.metadata?.name ?? '(no name)'}`;
  if (!Model) {
    throw new Error(`${what}: no schema known for ${key}`);
  }
  try {
    new Model(object).validate();
  } catch (error) {
    throw new Error(`${what} is invalid: ${(error as Error).message}`);
  }
}
