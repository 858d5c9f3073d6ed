import { Obj, ResourceType } from './resources';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/**
 * Server-side printing, as kube-apiserver answers a request with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (Kubernetes API
 * concepts, "Receiving resources as Tables"): column definitions (Name
 * first but for events, then the type's; priority > 0 only for `-o wide`), one row
 * of cells per object, and per row the object as `includeObject` asks
 * (default: its metadata, as PartialObjectMetadata).
 */
export function toTable(
  type: ResourceType,
  items: Obj[],
  options: {
    now: number;
    includeObject: IncludeObject;
    resourceVersion: string;
    apiVersion: string;
  },
) {
  return {
    kind: 'Table',
    apiVersion: options.apiVersion,
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: [
      ...(type.noNameColumn ? [] : [NAME_COLUMN]),
      ...type.columns.map(({ cell: _cell, format, ...c }) => ({
        ...c,
        format: format ?? '',
      })),
    ],
    rows: items.map(o => ({
      cells: [
        ...(type.noNameColumn ? [] : [o.metadata.name]),
        ...type.columns.map(c => c.cell(o, options.now)),
      ],
      ...rowObject(o, options.includeObject),
    })),
  };
}

function rowObject(o: Obj, include: IncludeObject) {
  if (include === 'None') return {};
  if (include === 'Object') return { object: o };
  return {
    object: {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: o.metadata,
    },
  };
}

/**
 * Content negotiation for list and get: the first media range in Accept
 * the server can produce. `undefined` means none (406 Not Acceptable).
 */
export function negotiate(
  accept: string | undefined,
): { table?: 'v1' | 'v1beta1' } | undefined {
  if (!accept) return {};
  for (const range of accept.split(',')) {
    const [mediaType, ...rawParams] = range.split(';').map(p => p.trim());
    const params = Object.fromEntries(
      rawParams.map(p => {
        const [k, v = ''] = p.split('=');
        return [k.trim(), v.trim()];
      }),
    );
    if (!['application/json', 'application/*', '*/*'].includes(mediaType))
      continue;
    if (!params.as) return {};
    if (
      params.as === 'Table' &&
      params.g === 'meta.k8s.io' &&
      (params.v === 'v1' || params.v === 'v1beta1')
    ) {
      return { table: params.v };
    }
  }
  return undefined;
}
