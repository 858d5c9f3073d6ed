// Clusters are read once, by @portolan/argocd-node's reader of
// `kubernetes.clusterLocatorMethods`, which also maps Argo CD destination
// servers to cluster names: the canary controls and the deployment history
// see the same clusters, validated the same way.
export { readKubernetesClusters } from '@portolan/argocd-node';
export type { KubernetesClusterConfig } from '@portolan/argocd-node';
