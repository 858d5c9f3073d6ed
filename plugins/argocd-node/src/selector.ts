// The portal's one label-selector parser lives in argocd-common (it is
// pure, and the frontend and catalog use it too).
export { matchesSelector, parseSelector } from '@portolan/argocd-common';
export type { SelectorTerm } from '@portolan/argocd-common';
