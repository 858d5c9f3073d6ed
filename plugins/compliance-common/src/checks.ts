/** Where a check's facts come from. */
export type CheckGroup =
  | 'catalog'
  | 'argocd'
  | 'kubernetes'
  | 'delivery'
  | 'git';

export const CHECK_GROUPS: readonly CheckGroup[] = [
  'catalog',
  'argocd',
  'kubernetes',
  'delivery',
  'git',
];

/** What a check verifies, how to fix it, and which audit controls it serves. */
export interface CheckDefinition {
  id: string;
  title: string;
  group: CheckGroup;
  /** What to do when it fails, in plain words. */
  fix: string;
  /** Audit controls the check is evidence for (e.g. SOC 2 CC8.1). */
  controls: string[];
  /** Applies only to services that run in prod (the configured prod environment). */
  prodOnly?: boolean;
  /** The configurable threshold's meaning and default, when it has one. */
  threshold?: {
    description: string;
    default: number;
    min: number;
    max: number;
  };
}

const cc81 = 'SOC 2 CC8.1 change management';
const cc72 = 'SOC 2 CC7.2 system monitoring';
const cc71 = 'SOC 2 CC7.1 configuration management';
const a12 = 'SOC 2 A1.2 availability';
const cc11 = 'SOC 2 CC1.1 accountability';
const cc83 = 'SOC 2 CC8.1 change review';

/** Every check Portolan knows. Config chooses thresholds and lifecycles. */
export const CHECKS: readonly CheckDefinition[] = [
  {
    id: 'catalog.owner-group',
    title: 'Owned by a real team',
    group: 'catalog',
    fix: 'Set spec.owner to a Group that exists in the catalog (group:default/<team>).',
    controls: [cc11],
  },
  {
    id: 'catalog.system',
    title: 'Belongs to a system',
    group: 'catalog',
    fix: 'Set spec.system in catalog-info.yaml.',
    controls: [cc71],
  },
  {
    id: 'catalog.description',
    title: 'Has a description',
    group: 'catalog',
    fix: 'Add metadata.description saying what the service does.',
    controls: [cc71],
  },
  {
    id: 'catalog.runbook',
    title: 'Runbook linked',
    group: 'catalog',
    fix: 'Add a metadata.links entry of type "runbook" (or titled "Runbook").',
    controls: [cc72],
  },
  {
    id: 'catalog.oncall',
    title: 'On-call linked',
    group: 'catalog',
    fix: 'Add a metadata.links entry of type "oncall" (or titled "On-call") pointing at the rota.',
    controls: [cc72],
  },
  {
    id: 'catalog.lifecycle',
    title: 'Lifecycle set',
    group: 'catalog',
    fix: 'Set spec.lifecycle to production, experimental or deprecated.',
    controls: [cc71],
  },
  {
    id: 'argocd.app-per-environment',
    title: 'An Argo CD app in every environment',
    group: 'argocd',
    fix: 'Create an Argo CD Application for each missing environment (the onboarding template does this).',
    controls: [cc81],
  },
  {
    id: 'argocd.prod-auto-sync',
    prodOnly: true,
    title: 'Prod syncs automatically with self-heal',
    group: 'argocd',
    fix: 'Set spec.syncPolicy.automated with selfHeal: true on the prod Application.',
    controls: [cc81],
  },
  {
    id: 'argocd.prod-default-branch',
    prodOnly: true,
    title: 'Prod deploys the default branch',
    group: 'argocd',
    fix: 'Point the prod Application at the default branch (targetRevision main/HEAD), not a feature branch or a pinned commit.',
    controls: [cc81],
  },
  {
    id: 'kubernetes.resources',
    title: 'Requests and limits on every container',
    group: 'kubernetes',
    fix: 'Set resources.requests and resources.limits (cpu and memory) on every container.',
    controls: [a12],
  },
  {
    id: 'kubernetes.no-latest-tag',
    title: 'No :latest image tags',
    group: 'kubernetes',
    fix: 'Deploy images by an immutable tag or digest, never :latest (or no tag).',
    controls: [cc81],
  },
  {
    id: 'kubernetes.allowed-registries',
    title: 'Images from allowed registries',
    group: 'kubernetes',
    fix: 'Pull images only from the registries in compliance.allowedRegistries.',
    controls: [cc71],
  },
  {
    id: 'kubernetes.prod-replicas',
    prodOnly: true,
    title: 'Enough replicas in prod',
    group: 'kubernetes',
    fix: 'Run at least the minimum number of replicas in prod (spec.replicas).',
    controls: [a12],
    threshold: {
      description: 'minimum replicas',
      default: 2,
      min: 1,
      max: 100,
    },
  },
  {
    id: 'kubernetes.probes',
    title: 'Liveness and readiness probes',
    group: 'kubernetes',
    fix: 'Add livenessProbe and readinessProbe to every container.',
    controls: [a12],
  },
  {
    id: 'kubernetes.prod-canary',
    prodOnly: true,
    title: 'Prod rolls out by canary with analysis',
    group: 'kubernetes',
    fix: 'Deploy prod with an Argo Rollout whose canary strategy runs an analysis.',
    controls: [cc81],
  },
  {
    id: 'delivery.change-failure-rate',
    prodOnly: true,
    title: 'Change failure rate under the threshold (30 days)',
    group: 'delivery',
    fix: 'Fewer failed or rolled-back prod deploys: smaller changes, canary analysis, tests before merge.',
    controls: [cc81],
    threshold: {
      description: 'maximum change failure rate, percent',
      default: 30,
      min: 0,
      max: 100,
    },
  },
  {
    id: 'delivery.recently-deployed',
    prodOnly: true,
    title: 'Deployed recently (not abandoned)',
    group: 'delivery',
    fix: 'Deploy to prod at least once in the window, or mark the service deprecated.',
    controls: [cc71],
    threshold: {
      description: 'maximum days since the last prod deploy',
      default: 90,
      min: 1,
      max: 3650,
    },
  },
  {
    id: 'delivery.no-unrestored-failure',
    prodOnly: true,
    title: 'No failed deploy left unrestored',
    group: 'delivery',
    fix: 'Roll back or deploy a fix after a failed prod deploy.',
    controls: [cc81],
  },
  {
    id: 'git.ci-workflow',
    title: 'CI workflow present',
    group: 'git',
    fix: 'Add a CI workflow to the repository (.github/workflows/<name>.yml, .gitlab-ci.yml, azure-pipelines.yml...) that builds and tests every change.',
    controls: [cc81],
  },
  {
    id: 'git.codeowners',
    title: 'CODEOWNERS present',
    group: 'git',
    fix: 'Add a CODEOWNERS file (at the root, .github/ or docs/) naming the owning team, so changes are reviewed by it.',
    controls: [cc83, cc11],
  },
];

export const CHECK_IDS: readonly string[] = CHECKS.map(c => c.id);

export function checkById(id: string): CheckDefinition | undefined {
  return CHECKS.find(c => c.id === id);
}
