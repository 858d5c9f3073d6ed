import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ArgoCdApplication, ArgoCdClient } from '@portolan/argocd-node';
import { ArgoCdAppIndex } from './ArgoCdAppIndex';
import { ArgoCdDeploymentProcessor } from './ArgoCdDeploymentProcessor';
import { buildArgoCdReport } from './ArgoCdReport';
import { ServiceClaims } from './ServiceClaims';

function app(
  name: string,
  service: string,
  destination: { name?: string; server?: string },
): ArgoCdApplication {
  return {
    metadata: { name, labels: { 'backstage.io/kubernetes-id': service } },
    spec: { project: 'p', destination: { namespace: 'ns', ...destination } },
    status: { sync: { status: 'Synced' }, health: { status: 'Healthy' } },
  };
}

/** A client whose list answers from memory (or fails), counting calls. */
function fakeClient(name: string, apps: ArgoCdApplication[] | Error) {
  const client = new ArgoCdClient({ name, url: 'http://unused', token: 't' });
  jest.spyOn(client, 'listApplications').mockImplementation(async () => {
    client.calls.list++;
    if (apps instanceof Error) throw apps;
    return apps;
  });
  return client;
}

const component = (
  name: string,
  annotations: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, annotations },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
});

const location = { type: 'file', target: '/catalog/services/x.yaml' };

async function setup(
  prodApps: ArgoCdApplication[] | Error = [
    app('checkout-service-prod', 'checkout-service', {
      server: 'https://prod-eu.k8s:6443/',
    }),
  ],
) {
  const nonprod = fakeClient('argocd-nonprod', [
    app('checkout-service-dev', 'checkout-service', { name: 'dev' }),
    app('checkout-service-staging', 'checkout-service', { name: 'staging' }),
    app('orphan-dev', 'orphan', { name: 'dev' }),
  ]);
  const prod = fakeClient('argocd-prod', prodApps);
  const index = new ArgoCdAppIndex(
    [nonprod, prod],
    new Map([['https://prod-eu.k8s:6443', 'prod-eu']]),
    mockServices.logger.mock(),
  );
  await index.refresh();
  return {
    index,
    nonprod,
    prod,
    processor: new ArgoCdDeploymentProcessor(index),
  };
}

async function process(processor: ArgoCdDeploymentProcessor, entity: Entity) {
  const emitted: any[] = [];
  await processor.postProcessEntity(entity, location, r => emitted.push(r));
  return emitted;
}

describe('ArgoCdDeploymentProcessor', () => {
  it('relates a service to every cluster its apps deploy to, from one list call per instance', async () => {
    const { processor, nonprod, prod } = await setup();
    const emitted = await process(
      processor,
      component('checkout-service', {
        'argocd/app-selector': 'backstage.io/kubernetes-id=checkout-service',
      }),
    );
    const dependsOn = emitted
      .filter(e => e.type === 'relation' && e.relation.type === 'dependsOn')
      .map(e => e.relation.target.name)
      .sort();
    expect(dependsOn).toEqual(['dev', 'prod-eu', 'staging']);
    expect(
      emitted.filter(e => e.relation?.type === 'dependencyOf'),
    ).toHaveLength(3);
    expect(emitted.some(e => e.type === 'error')).toBe(false);
    // Processing more entities makes no further upstream calls.
    await process(
      processor,
      component('x', { 'argocd/app-name': 'orphan-dev' }),
    );
    expect(nonprod.calls.list).toBe(1);
    expect(prod.calls.list).toBe(1);
  });

  it('finds an app created since the last refresh, refreshing at most every 10 s', async () => {
    const prodApps = [
      app('checkout-service-prod', 'checkout-service', {
        server: 'https://prod-eu.k8s:6443/',
      }),
    ];
    const { processor, prod } = await setup(prodApps);
    const fresh = component('ledger', {
      'argocd/app-selector': 'backstage.io/kubernetes-id=ledger',
    });
    prodApps.push(
      app('ledger-prod', 'ledger', { server: 'https://prod-eu.k8s:6443/' }),
    );
    // Just refreshed: a miss does not call Argo CD again.
    expect(
      (await process(processor, fresh)).some(e => e.type === 'error'),
    ).toBe(true);
    expect(prod.calls.list).toBe(1);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 11_000);
    try {
      const emitted = await process(processor, fresh);
      expect(emitted.some(e => e.type === 'error')).toBe(false);
      expect(
        emitted
          .filter(e => e.relation?.type === 'dependsOn')
          .map(e => e.relation.target.name),
      ).toEqual(['prod-eu']);
      expect(prod.calls.list).toBe(2);
      await process(
        processor,
        component('nope', { 'argocd/app-name': 'nope' }),
      );
      expect(prod.calls.list).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it('reports an annotation naming a missing app as an error on the entity, naming the instance', async () => {
    const { processor } = await setup();
    const emitted = await process(
      processor,
      component('ghost', {
        'argocd/app-name': 'ghost-prod',
        'argocd/instance-name': 'argocd-prod',
      }),
    );
    const errors = emitted.filter(e => e.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].error.message).toBe(
      "argocd/app-name 'ghost-prod': not found in Argo CD instance argocd-prod",
    );
    expect(errors[0].error.name).toBe('InputError');
  });

  it('does not claim "not found" while an instance is down', async () => {
    const { processor } = await setup(
      new Error('Argo CD instance argocd-prod: no answer within 5 s'),
    );
    const emitted = await process(
      processor,
      component('ghost', { 'argocd/app-name': 'ghost-prod' }),
    );
    expect(emitted.filter(e => e.type === 'error')).toEqual([]);
  });

  it('rejects a selector it cannot parse', async () => {
    const { processor } = await setup();
    const emitted = await process(
      processor,
      component('bad', { 'argocd/app-selector': 'a in (b)' }),
    );
    expect(emitted.find(e => e.type === 'error')?.error.message).toMatch(
      /argocd\/app-selector: unsupported label selector term 'a in \(b\)'/,
    );
  });

  it.each([
    ['argocd/app-selector', 'backstage.io/kubernetes-id!=nothing'],
    ['argocd/app-selector', 'team='],
    ['backstage.io/kubernetes-label-selector', 'app!=x'],
  ])(
    'rejects a %s with no key=value term (%s): it would claim other services',
    async (annotation, value) => {
      const { processor } = await setup();
      const emitted = await process(
        processor,
        component('greedy', { [annotation]: value }),
      );
      const errors = emitted.filter(e => e.type === 'error');
      expect(errors.map(e => e.error.message)).toEqual([
        `${annotation}: '${value}' has no key=value term, so it would match other services' workloads too`,
      ]);
      expect(emitted.filter(e => e.type === 'relation')).toEqual([]);
    },
  );

  it('flags an Argo CD app two services claim on both, and relates neither to its cluster', async () => {
    const { index } = await setup();
    const owner = component('checkout-service', {
      'argocd/app-selector': 'backstage.io/kubernetes-id=checkout-service',
    });
    const copycat = component('checkout-copy', {
      'argocd/app-name': 'checkout-service-prod',
    });
    const claims = new ServiceClaims();
    claims.update(index, [owner, copycat]);
    const processor = new ArgoCdDeploymentProcessor(index, claims);

    const mine = await process(processor, owner);
    expect(
      mine.filter(e => e.type === 'error').map(e => e.error.message),
    ).toEqual([
      'Argo CD app checkout-service-prod on argocd-prod is also claimed by component:default/checkout-copy: ' +
        'neither service gets it until one claim is removed',
    ]);
    // Its uncontested apps still relate it to their clusters; prod does not.
    expect(
      mine
        .filter(e => e.relation?.type === 'dependsOn')
        .map(e => e.relation.target.name)
        .sort(),
    ).toEqual(['dev', 'staging']);

    const theirs = await process(processor, copycat);
    expect(
      theirs.filter(e => e.type === 'error').map(e => e.error.message),
    ).toEqual([
      'Argo CD app checkout-service-prod on argocd-prod is also claimed by component:default/checkout-service: ' +
        'neither service gets it until one claim is removed',
    ]);
    expect(theirs.filter(e => e.type === 'relation')).toEqual([]);
    expect(
      buildArgoCdReport(index, [owner, copycat], claims).contestedApps,
    ).toEqual([
      {
        instance: 'argocd-prod',
        name: 'checkout-service-prod',
        claimedBy: [
          'component:default/checkout-copy',
          'component:default/checkout-service',
        ],
      },
    ]);
  });

  it('flags two services claiming the same workloads (a copied kubernetes-id) on both', async () => {
    const { index } = await setup();
    const owner = component('payment-gateway', {
      'backstage.io/kubernetes-id': 'payment-gateway',
    });
    const copycat = component('pg-copy', {
      'backstage.io/kubernetes-label-selector':
        'backstage.io/kubernetes-id=payment-gateway',
    });
    const other = component('ledger', {
      'backstage.io/kubernetes-id': 'ledger',
    });
    const claims = new ServiceClaims();
    claims.update(index, [owner, copycat, other]);
    const processor = new ArgoCdDeploymentProcessor(index, claims);
    expect(
      (await process(processor, owner)).map(e => e.error?.message),
    ).toEqual([
      'Its Kubernetes workloads are also claimed by component:default/pg-copy: ' +
        'Portolan acts on them for neither until one claim is removed',
    ]);
    expect(
      (await process(processor, copycat)).map(e => e.error?.message),
    ).toEqual([
      'Its Kubernetes workloads are also claimed by component:default/payment-gateway: ' +
        'Portolan acts on them for neither until one claim is removed',
    ]);
    expect(await process(processor, other)).toEqual([]);
  });

  it('leaves entities without Argo CD annotations alone', async () => {
    const { processor } = await setup();
    expect(await process(processor, component('plain', {}))).toEqual([]);
  });
});

describe('buildArgoCdReport', () => {
  it('lists apps no entity claims and annotations that match nothing', async () => {
    const { index } = await setup();
    const report = buildArgoCdReport(index, [
      component('checkout-service', {
        'argocd/app-selector': 'backstage.io/kubernetes-id=checkout-service',
      }),
      component('ghost', { 'argocd/app-name': 'ghost-prod' }),
    ]);
    expect(report.unclaimedApps).toEqual([
      {
        instance: 'argocd-nonprod',
        name: 'orphan-dev',
        cluster: 'dev',
        project: 'p',
      },
    ]);
    expect(report.missingApps).toEqual([
      {
        entityRef: 'component:default/ghost',
        annotation: 'argocd/app-name',
        value: 'ghost-prod',
        searched: ['argocd-nonprod', 'argocd-prod'],
      },
    ]);
    expect(report.instances.map(i => [i.instance, i.ok, i.apps])).toEqual([
      ['argocd-nonprod', true, 3],
      ['argocd-prod', true, 1],
    ]);
  });
});
