import crypto from 'node:crypto';
import { KubernetesStore, iso } from './KubernetesStore';
import { Obj } from './resources';

/**
 * What the ReplicaSet controller and the kubelet would leave behind: a
 * ReplicaSet `<owner>-<hash>` for a workload's pod template, owned by the
 * workload, and that many running pods owned by it (old pods replaced).
 */
export function writeReplicaSet(
  store: KubernetesStore,
  cluster: string,
  owner: Obj,
  hash: string,
  replicas: number,
  now: number,
): Obj {
  const namespace = owner.metadata.namespace!;
  const rsName = `${owner.metadata.name}-${hash}`;
  const labels = {
    ...owner.metadata.labels,
    'rollouts-pod-template-hash': hash,
    'pod-template-hash': hash,
  };
  const template = owner.spec?.template ?? { spec: { containers: [] } };
  const rs = store.save('replicasets', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: rsName,
      namespace,
      labels,
      annotations: owner.metadata.annotations?.['rollout.argoproj.io/revision']
        ? {
            'rollout.argoproj.io/revision':
              owner.metadata.annotations['rollout.argoproj.io/revision'],
          }
        : undefined,
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name,
          uid: owner.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      replicas,
      selector: {
        matchLabels: {
          ...owner.spec?.selector?.matchLabels,
          'pod-template-hash': hash,
        },
      },
      template: {
        ...template,
        metadata: {
          ...template.metadata,
          labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
        },
      },
    },
    status: {
      replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      fullyLabeledReplicas: replicas,
      observedGeneration: 1,
    },
  });
  removePods(store, namespace, rsName);
  const containers: any[] = template.spec?.containers ?? [];
  const started = iso(now - 3_600_000);
  for (let i = 0; i < replicas; i++) {
    const suffix = crypto
      .createHash('sha1')
      .update(`${rsName}/${i}`)
      .digest('hex')
      .slice(0, 5);
    store.save('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rsName}-${suffix}`,
        namespace,
        labels,
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rsName,
            uid: rs.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...template.spec, nodeName: `${cluster}-node-${(i % 3) + 1}` },
      status: {
        phase: 'Running',
        podIP: `10.244.${i % 250}.${
          (parseInt(suffix.slice(0, 2), 16) % 250) + 2
        }`,
        startTime: started,
        conditions: [
          { type: 'Initialized', status: 'True', lastTransitionTime: started },
          { type: 'Ready', status: 'True', lastTransitionTime: started },
          {
            type: 'ContainersReady',
            status: 'True',
            lastTransitionTime: started,
          },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: started },
        ],
        containerStatuses: containers.map(c => ({
          name: c.name,
          ready: true,
          started: true,
          restartCount: 0,
          image: c.image,
          imageID: `${c.image}@sha256:${crypto
            .createHash('sha256')
            .update(String(c.image))
            .digest('hex')}`,
          state: { running: { startedAt: started } },
        })),
        qosClass: 'Burstable',
      },
    });
  }
  return rs;
}

/** Scales a ReplicaSet to zero: its pods go. */
export function scaleDownReplicaSet(
  store: KubernetesStore,
  namespace: string,
  rsName: string,
): void {
  if (!store.find('replicasets', namespace, rsName)) return;
  store.update('replicasets', namespace, rsName, rs => {
    rs.spec.replicas = 0;
    rs.status = {
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      fullyLabeledReplicas: 0,
      observedGeneration: rs.status?.observedGeneration,
    };
  });
  removePods(store, namespace, rsName);
}

function removePods(store: KubernetesStore, namespace: string, rsName: string) {
  store.remove(
    'pods',
    p =>
      p.metadata.namespace === namespace &&
      p.metadata.ownerReferences?.[0]?.name === rsName,
  );
}
