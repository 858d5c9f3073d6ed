import { Entity } from '@backstage/catalog-model';
import { World } from '@portolan/sandbox';

/** The sandbox world's services, clusters and teams as catalog entities. */
export function sandboxEntities(world: World, extra: Entity[] = []): Entity[] {
  const services = [...new Set(world.apps.map(a => a.service))].map(name => {
    const app = world.apps.find(a => a.service === name)!;
    const owner =
      world.catalog.services.find(s => s.name === name)?.owner ??
      'team-platform';
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        namespace: 'default',
        annotations: {
          'backstage.io/kubernetes-id': name,
          'backstage.io/kubernetes-namespace': app.namespace,
        },
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: `group:default/${owner}`,
        system: `system:default/${app.system}`,
      },
    } as Entity;
  });
  const clusters = world.catalog.clusters.map(
    c =>
      ({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Resource',
        metadata: {
          name: c.name,
          namespace: 'default',
          annotations: { 'portolan.dev/environment': c.environment },
        },
        spec: {
          type: 'kubernetes-cluster',
          owner: 'group:default/team-platform',
        },
      } as Entity),
  );
  const groups = [...new Set(world.catalog.services.map(s => s.owner))].map(
    g =>
      ({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Group',
        metadata: { name: g, namespace: 'default' },
        spec: { type: 'team', children: [] },
      } as Entity),
  );
  return [...services, ...clusters, ...groups, ...extra];
}
