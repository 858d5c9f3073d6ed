import { RESOURCE_TYPES, ResourceType, VIRTUAL_RESOURCES } from './resources';

type Described = Pick<
  ResourceType,
  'group' | 'version' | 'plural' | 'singular' | 'kind' | 'namespaced' | 'verbs'
> &
  Partial<Pick<ResourceType, 'shortNames' | 'categories' | 'subresources'>>;

const ALL: Described[] = [...RESOURCE_TYPES, ...VIRTUAL_RESOURCES];

/** Media type of aggregated discovery (KEP-3352, on by default since Kubernetes 1.30). */
export const AGGREGATED_DISCOVERY =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the client asked for aggregated discovery (kubectl ≥ 1.26 asks first). */
export function wantsAggregated(accept: string | undefined): boolean {
  const first = accept
    ?.split(',')
    .find(r => /^application\/json\b/.test(r.trim()));
  return (
    !!first &&
    /as=APIGroupDiscoveryList/.test(first) &&
    /\bv=v2\b/.test(first) &&
    /g=apidiscovery\.k8s\.io/.test(first)
  );
}

function groupVersions() {
  const groups = new Map<string, string[]>();
  for (const t of ALL) {
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return groups;
}

/** GET /api (core group's versions). */
export function apiVersions() {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [
      { clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:443' },
    ],
  };
}

/** GET /apis (legacy discovery: the named groups). */
export function apiGroupList() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groupVersions()]
      .filter(([group]) => group)
      .map(([name, versions]) => ({
        name,
        versions: versions.map(version => ({
          groupVersion: `${name}/${version}`,
          version,
        })),
        preferredVersion: {
          groupVersion: `${name}/${versions[0]}`,
          version: versions[0],
        },
      })),
  };
}

/** GET /api/v1, /apis/<group>/<version>: the resources and their subresources. */
export function apiResourceList(group: string, version: string) {
  const types = ALL.filter(t => t.group === group && t.version === version);
  if (!types.length) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(t => [
      {
        name: t.plural,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: t.verbs,
        ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        ...(t.categories ? { categories: t.categories } : {}),
      },
      ...(t.subresources ?? []).map(sub => ({
        name: `${t.plural}/${sub}`,
        singularName: '',
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: sub === 'log' ? ['get'] : ['get', 'patch'],
      })),
    ]),
  };
}

/** GET /api or /apis as aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList). */
export function aggregatedDiscovery(core: boolean) {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: [...groupVersions()]
      .filter(([group]) => (core ? !group : !!group))
      .map(([group, versions]) => ({
        metadata: group ? { name: group } : {},
        versions: versions.map(version => ({
          version,
          freshness: 'Current',
          resources: ALL.filter(
            t => t.group === group && t.version === version,
          ).map(t => ({
            resource: t.plural,
            responseKind: { group, version, kind: t.kind },
            scope: t.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: t.singular,
            verbs: t.verbs,
            ...(t.shortNames ? { shortNames: t.shortNames } : {}),
            ...(t.categories ? { categories: t.categories } : {}),
            ...((t.subresources ?? []).length
              ? {
                  subresources: t.subresources!.map(sub => ({
                    subresource: sub,
                    responseKind:
                      sub === 'log'
                        ? { group: '', version: '', kind: 'string' }
                        : { group, version, kind: t.kind },
                    verbs: sub === 'log' ? ['get'] : ['get', 'patch'],
                  })),
                }
              : {}),
          })),
        })),
      })),
  };
}
