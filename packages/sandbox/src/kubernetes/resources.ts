/**
 * The resource types the stand-in serves, described as a real API server
 * describes them in discovery (`APIResource`: name, singularName,
 * namespaced, kind, verbs, shortNames, categories) and with the table
 * columns kube-apiserver prints for them (`kubectl get`; built-in types:
 * k8s.io/kubernetes pkg/printers/internalversion/printers.go; custom
 * resources: their CRD's additionalPrinterColumns).
 */

export type Obj = Record<string, any> & {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string;
    [k: string]: any;
  };
};

/** A column of a server-side Table (meta.k8s.io/v1 TableColumnDefinition) and how to fill it. */
export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0: `kubectl get`; >0: only with `-o wide`. */
  priority: number;
  cell(o: Obj, now: number): string | number | boolean | null;
}

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  /** Subresources served: `status` (get, patch), `log` (pods, get). */
  subresources: Array<'status' | 'log'>;
  /** Table columns after Name. */
  columns: Column[];
  /** Events print no leading Name column (their Name is a wide column). */
  noNameColumn?: boolean;
  /** Field selectors the type supports besides metadata.name/namespace. */
  fields?: Record<string, (o: Obj) => string | undefined>;
}

export const groupVersion = (t: Pick<ResourceType, 'group' | 'version'>) =>
  t.group ? `${t.group}/${t.version}` : t.version;

const READ = ['get', 'list'];
// What the stand-in really serves (no watch, update, delete): discovery
// says what a client may do, so it says no more than that.
const SERVED = ['create', 'get', 'list', 'patch'];

/** Age as kubectl prints it (k8s.io/apimachinery/pkg/util/duration.HumanDuration). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

const age = (o: Obj, now: number) =>
  o.metadata.creationTimestamp
    ? humanDuration(now - Date.parse(o.metadata.creationTimestamp))
    : '<unknown>';

const AGE: Column = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
  cell: age,
};
/** CRD printer columns of type date are printed as an age (apiextensions-apiserver tableconvertor). */
const CRD_AGE: Column = {
  ...AGE,
  type: 'date',
  description: 'Time since resource was created',
};

const num = (v: unknown) => (typeof v === 'number' ? v : null);
const containers = (o: Obj): any[] =>
  o.spec?.template?.spec?.containers ?? o.spec?.containers ?? [];
const selectorText = (sel: Record<string, string> | undefined) =>
  sel && Object.keys(sel).length
    ? Object.entries(sel)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '<none>';

const podReady = (o: Obj) => {
  const statuses: any[] = o.status?.containerStatuses ?? [];
  return `${statuses.filter(c => c.ready).length}/${
    (o.spec?.containers ?? []).length
  }`;
};

const workloadColumns = (kind: 'Deployment' | 'ReplicaSet'): Column[] => [
  ...(kind === 'Deployment'
    ? ([
        {
          name: 'Ready',
          type: 'string',
          description: 'Number of the pod with ready state',
          priority: 0,
          cell: (o: Obj) =>
            `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
        },
        {
          name: 'Up-to-date',
          type: 'integer',
          description:
            'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
          priority: 0,
          cell: (o: Obj) => o.status?.updatedReplicas ?? 0,
        },
        {
          name: 'Available',
          type: 'integer',
          description:
            'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
          priority: 0,
          cell: (o: Obj) => o.status?.availableReplicas ?? 0,
        },
      ] as Column[])
    : ([
        {
          name: 'Desired',
          type: 'integer',
          description: 'Replicas is the number of desired replicas.',
          priority: 0,
          cell: (o: Obj) => o.spec?.replicas ?? 1,
        },
        {
          name: 'Current',
          type: 'integer',
          description:
            'Replicas is the most recently observed number of replicas.',
          priority: 0,
          cell: (o: Obj) => o.status?.replicas ?? 0,
        },
        {
          name: 'Ready',
          type: 'integer',
          description: 'The number of ready replicas for this replica set.',
          priority: 0,
          cell: (o: Obj) => o.status?.readyReplicas ?? 0,
        },
      ] as Column[])),
  AGE,
  {
    name: 'Containers',
    type: 'string',
    description: 'Names of each container in the template.',
    priority: 1,
    cell: o =>
      containers(o)
        .map(c => c.name)
        .join(','),
  },
  {
    name: 'Images',
    type: 'string',
    description: 'Images referenced by each container in the template.',
    priority: 1,
    cell: o =>
      containers(o)
        .map(c => c.image)
        .join(','),
  },
  {
    name: 'Selector',
    type: 'string',
    description: 'Label selector for pods.',
    priority: 1,
    cell: o => selectorText(o.spec?.selector?.matchLabels),
  },
];

const involvedObject = (o: Obj) => o.involvedObject ?? {};

export const RESOURCE_TYPES: ResourceType[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    verbs: SERVED,
    shortNames: ['ns'],
    subresources: ['status'],
    columns: [
      {
        name: 'Status',
        type: 'string',
        description: 'The status of the namespace',
        priority: 0,
        cell: o => o.status?.phase ?? '',
      },
      AGE,
    ],
    fields: { 'status.phase': o => o.status?.phase },
  },
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'log'],
    columns: [
      {
        name: 'Ready',
        type: 'string',
        description:
          'The aggregate readiness state of this pod for accepting traffic.',
        priority: 0,
        cell: podReady,
      },
      {
        name: 'Status',
        type: 'string',
        description: 'The aggregate status of the containers in this pod.',
        priority: 0,
        cell: o => o.status?.reason ?? o.status?.phase ?? '',
      },
      {
        name: 'Restarts',
        type: 'string',
        description:
          'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
        priority: 0,
        cell: o =>
          String(
            (o.status?.containerStatuses ?? []).reduce(
              (n: number, c: any) => n + (c.restartCount ?? 0),
              0,
            ),
          ),
      },
      AGE,
      {
        name: 'IP',
        type: 'string',
        description:
          'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
        priority: 1,
        cell: o => o.status?.podIP ?? '<none>',
      },
      {
        name: 'Node',
        type: 'string',
        description:
          'NodeName is a request to schedule this pod onto a specific node.',
        priority: 1,
        cell: o => o.spec?.nodeName ?? '<none>',
      },
      {
        name: 'Nominated Node',
        type: 'string',
        description:
          'nominatedNodeName is set only when this pod preempts other pods on the node.',
        priority: 1,
        cell: o => o.status?.nominatedNodeName ?? '<none>',
      },
      {
        name: 'Readiness Gates',
        type: 'string',
        description:
          'If specified, all readiness gates will be evaluated for pod readiness.',
        priority: 1,
        cell: o =>
          o.spec?.readinessGates?.length
            ? String(o.spec.readinessGates.length)
            : '<none>',
      },
    ],
    fields: {
      'spec.nodeName': o => o.spec?.nodeName,
      'status.phase': o => o.status?.phase,
      'status.podIP': o => o.status?.podIP,
    },
  },
  {
    group: '',
    version: 'v1',
    plural: 'services',
    singular: 'service',
    kind: 'Service',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
    columns: [
      {
        name: 'Type',
        type: 'string',
        description: 'type determines how the Service is exposed.',
        priority: 0,
        cell: o => o.spec?.type ?? 'ClusterIP',
      },
      {
        name: 'Cluster-IP',
        type: 'string',
        description: 'clusterIP is the IP address of the service.',
        priority: 0,
        cell: o => o.spec?.clusterIP ?? '<none>',
      },
      {
        name: 'External-IP',
        type: 'string',
        description:
          'List of IP addresses for which nodes in the cluster will also accept traffic for this service.',
        priority: 0,
        cell: o => o.spec?.externalIPs?.join(',') ?? '<none>',
      },
      {
        name: 'Port(s)',
        type: 'string',
        description: 'The list of ports that are exposed by this service.',
        priority: 0,
        cell: o =>
          (o.spec?.ports ?? [])
            .map((p: any) => `${p.port}/${p.protocol ?? 'TCP'}`)
            .join(',') || '<none>',
      },
      AGE,
      {
        name: 'Selector',
        type: 'string',
        description:
          'Route service traffic to pods with label keys and values matching this selector.',
        priority: 1,
        cell: o => selectorText(o.spec?.selector),
      },
    ],
  },
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['cm'],
    subresources: [],
    columns: [
      {
        name: 'Data',
        type: 'integer',
        description: 'Number of data entries.',
        priority: 0,
        cell: o =>
          Object.keys(o.data ?? {}).length +
          Object.keys(o.binaryData ?? {}).length,
      },
      AGE,
    ],
  },
  {
    group: '',
    version: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: READ,
    shortNames: ['ev'],
    subresources: [],
    noNameColumn: true,
    columns: [
      {
        name: 'Last Seen',
        type: 'string',
        description: 'The last time this event was observed.',
        priority: 0,
        cell: (o, now) =>
          o.lastTimestamp
            ? humanDuration(now - Date.parse(o.lastTimestamp))
            : '<unknown>',
      },
      {
        name: 'Type',
        type: 'string',
        description: 'Type of this event (Normal, Warning).',
        priority: 0,
        cell: o => o.type ?? '',
      },
      {
        name: 'Reason',
        type: 'string',
        description:
          "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
        priority: 0,
        cell: o => o.reason ?? '',
      },
      {
        name: 'Object',
        type: 'string',
        description: 'The object that this event is about.',
        priority: 0,
        cell: o =>
          `${String(involvedObject(o).kind ?? '').toLowerCase()}/${
            involvedObject(o).name ?? ''
          }`,
      },
      {
        name: 'Subobject',
        type: 'string',
        description: 'The subobject (fieldPath) this event is about.',
        priority: 1,
        cell: o => involvedObject(o).fieldPath ?? '',
      },
      {
        name: 'Source',
        type: 'string',
        description: 'The component reporting this event.',
        priority: 1,
        cell: o => o.source?.component ?? '',
      },
      {
        name: 'Message',
        type: 'string',
        description:
          'A human-readable description of the status of this operation.',
        priority: 0,
        cell: o => o.message ?? '',
      },
      {
        name: 'First Seen',
        type: 'string',
        description: 'The first time this event was observed.',
        priority: 1,
        cell: (o, now) =>
          o.firstTimestamp
            ? humanDuration(now - Date.parse(o.firstTimestamp))
            : '<unknown>',
      },
      {
        name: 'Count',
        type: 'string',
        description: 'The number of times this event has occurred.',
        priority: 1,
        cell: o => String(o.count ?? 1),
      },
      {
        name: 'Name',
        type: 'string',
        description: 'Name of the event.',
        priority: 1,
        cell: o => o.metadata.name,
      },
    ],
    // The fields `kubectl describe` selects events by (involvedObject.*),
    // as kube-apiserver's event field selectors allow.
    fields: {
      'involvedObject.kind': o => involvedObject(o).kind,
      'involvedObject.namespace': o => involvedObject(o).namespace,
      'involvedObject.name': o => involvedObject(o).name,
      'involvedObject.uid': o => involvedObject(o).uid,
      'involvedObject.apiVersion': o => involvedObject(o).apiVersion,
      'involvedObject.resourceVersion': o => involvedObject(o).resourceVersion,
      'involvedObject.fieldPath': o => involvedObject(o).fieldPath,
      reason: o => o.reason,
      type: o => o.type,
      source: o => o.source?.component,
      reportingComponent: o => o.reportingComponent,
    },
  },
  {
    group: '',
    version: 'v1',
    plural: 'limitranges',
    singular: 'limitrange',
    kind: 'LimitRange',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['limits'],
    subresources: [],
    columns: [{ ...AGE, name: 'Created At', type: 'date' }],
  },
  {
    group: '',
    version: 'v1',
    plural: 'resourcequotas',
    singular: 'resourcequota',
    kind: 'ResourceQuota',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['quota'],
    subresources: ['status'],
    columns: [AGE],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    singular: 'deployment',
    kind: 'Deployment',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status'],
    columns: workloadColumns('Deployment'),
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    singular: 'replicaset',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status'],
    columns: workloadColumns('ReplicaSet'),
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'statefulsets',
    singular: 'statefulset',
    kind: 'StatefulSet',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status'],
    columns: [
      {
        name: 'Ready',
        type: 'string',
        description: 'Number of the pod with ready state',
        priority: 0,
        cell: o => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
      },
      AGE,
    ],
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    singular: 'daemonset',
    kind: 'DaemonSet',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['ds'],
    categories: ['all'],
    subresources: ['status'],
    columns: [
      {
        name: 'Desired',
        type: 'integer',
        description:
          'The total number of nodes that should be running the daemon pod.',
        priority: 0,
        cell: o => num(o.status?.desiredNumberScheduled) ?? 0,
      },
      {
        name: 'Ready',
        type: 'integer',
        description:
          'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.',
        priority: 0,
        cell: o => num(o.status?.numberReady) ?? 0,
      },
      AGE,
    ],
  },
  {
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    singular: 'job',
    kind: 'Job',
    namespaced: true,
    verbs: SERVED,
    categories: ['all'],
    subresources: ['status'],
    columns: [
      {
        name: 'Status',
        type: 'string',
        description: 'Status of the job.',
        priority: 0,
        cell: o => (o.status?.succeeded ? 'Complete' : 'Running'),
      },
      AGE,
    ],
  },
  {
    group: 'batch',
    version: 'v1',
    plural: 'cronjobs',
    singular: 'cronjob',
    kind: 'CronJob',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['cj'],
    categories: ['all'],
    subresources: ['status'],
    columns: [
      {
        name: 'Schedule',
        type: 'string',
        description: 'The schedule in Cron format.',
        priority: 0,
        cell: o => o.spec?.schedule ?? '',
      },
      AGE,
    ],
  },
  {
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingresses',
    singular: 'ingress',
    kind: 'Ingress',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['ing'],
    subresources: ['status'],
    columns: [
      {
        name: 'Class',
        type: 'string',
        description: 'The name of the IngressClass cluster resource.',
        priority: 0,
        cell: o => o.spec?.ingressClassName ?? '<none>',
      },
      {
        name: 'Hosts',
        type: 'string',
        description:
          'Hosts that incoming requests are matched against before the ingress rule',
        priority: 0,
        cell: o =>
          (o.spec?.rules ?? []).map((r: any) => r.host ?? '*').join(',') || '*',
      },
      AGE,
    ],
  },
  {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    singular: 'horizontalpodautoscaler',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
    columns: [
      {
        name: 'Reference',
        type: 'string',
        description: 'Reference to the target object',
        priority: 0,
        cell: o =>
          `${o.spec?.scaleTargetRef?.kind ?? ''}/${
            o.spec?.scaleTargetRef?.name ?? ''
          }`,
      },
      {
        name: 'MinPods',
        type: 'string',
        description: 'Lower limit for the number of pods.',
        priority: 0,
        cell: o => String(o.spec?.minReplicas ?? 1),
      },
      {
        name: 'MaxPods',
        type: 'string',
        description: 'Upper limit for the number of pods.',
        priority: 0,
        cell: o => String(o.spec?.maxReplicas ?? ''),
      },
      {
        name: 'Replicas',
        type: 'string',
        description:
          'Current number of replicas of pods managed by this autoscaler.',
        priority: 0,
        cell: o => String(o.status?.currentReplicas ?? 0),
      },
      AGE,
    ],
  },
  {
    // shortNames, singular and printer columns as in argo-rollouts'
    // manifests/crds/rollout-crd.yaml (../shared/specs/argo-rollouts).
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'rollouts',
    singular: 'rollout',
    kind: 'Rollout',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['ro'],
    subresources: ['status'],
    columns: [
      {
        name: 'Desired',
        type: 'integer',
        description: 'Number of desired pods',
        priority: 0,
        cell: o => num(o.spec?.replicas),
      },
      {
        name: 'Current',
        type: 'integer',
        description:
          'Total number of non-terminated pods targeted by this rollout',
        priority: 0,
        cell: o => num(o.status?.replicas),
      },
      {
        name: 'Up-to-date',
        type: 'integer',
        description:
          'Total number of non-terminated pods targeted by this rollout that have the desired template spec',
        priority: 0,
        cell: o => num(o.status?.updatedReplicas),
      },
      {
        name: 'Available',
        type: 'integer',
        description:
          'Total number of available pods (ready for at least minReadySeconds) targeted by this rollout',
        priority: 0,
        cell: o => num(o.status?.availableReplicas),
      },
      CRD_AGE,
    ],
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    plural: 'analysisruns',
    singular: 'analysisrun',
    kind: 'AnalysisRun',
    namespaced: true,
    verbs: SERVED,
    shortNames: ['ar'],
    subresources: ['status'],
    columns: [
      {
        name: 'Status',
        type: 'string',
        description: 'AnalysisRun status',
        priority: 0,
        cell: o => o.status?.phase ?? null,
      },
      CRD_AGE,
    ],
  },
];

/** Resources that are not stored objects (authorization reviews): discovery lists them, POST answers. */
export const VIRTUAL_RESOURCES: Array<
  Pick<
    ResourceType,
    | 'group'
    | 'version'
    | 'plural'
    | 'singular'
    | 'kind'
    | 'namespaced'
    | 'verbs'
  >
> = [
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'selfsubjectaccessreviews',
    singular: 'selfsubjectaccessreview',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
    verbs: ['create'],
  },
];

export function resourceName(
  t: Pick<ResourceType, 'group' | 'plural'>,
): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}
