/**
 * Equality-based label selector cases, shared by the portal's parser
 * (argocd-common) and the Kubernetes stand-in's own (which also speaks
 * set-based terms): both must agree on every one of these, as
 * kube-apiserver does (k8s.io/apimachinery pkg/labels).
 */
export const EQUALITY_SELECTOR_CASES: Array<{
  selector: string;
  labels: Record<string, string>;
  matches: boolean;
}> = [
  { selector: 'app=web', labels: { app: 'web' }, matches: true },
  { selector: 'app=web', labels: { app: 'api' }, matches: false },
  { selector: 'app=web', labels: {}, matches: false },
  { selector: 'app==web', labels: { app: 'web' }, matches: true },
  { selector: 'app!=web', labels: { app: 'api' }, matches: true },
  { selector: 'app!=web', labels: {}, matches: true },
  { selector: 'app!=web', labels: { app: 'web' }, matches: false },
  {
    selector: 'app=web,tier=front',
    labels: { app: 'web', tier: 'front' },
    matches: true,
  },
  {
    selector: 'app=web,tier=front',
    labels: { app: 'web', tier: 'back' },
    matches: false,
  },
  {
    selector: ' app = web , tier != back ',
    labels: { app: 'web', tier: 'front' },
    matches: true,
  },
  {
    selector: 'backstage.io/kubernetes-id=checkout-service',
    labels: { 'backstage.io/kubernetes-id': 'checkout-service' },
    matches: true,
  },
  {
    selector: 'backstage.io/kubernetes-id=checkout-service',
    labels: { 'backstage.io/kubernetes-id': 'checkout-service-2' },
    matches: false,
  },
  { selector: 'app=', labels: { app: '' }, matches: true },
  { selector: 'app=', labels: {}, matches: false },
];
