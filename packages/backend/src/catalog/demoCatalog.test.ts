import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  domainEntityV1alpha1Validator,
  Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  groupEntityV1alpha1Validator,
  KindValidator,
  locationEntityV1alpha1Validator,
  NoForeignRootFieldsEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
  userEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import fs from 'node:fs';
import path from 'node:path';
import { readCatalogFiles } from './demoCatalog';

const CATALOG = path.resolve(__dirname, '../../../../catalog');

const kindValidators: Record<string, KindValidator> = {
  API: apiEntityV1alpha1Validator,
  Component: componentEntityV1alpha1Validator,
  Domain: domainEntityV1alpha1Validator,
  Group: groupEntityV1alpha1Validator,
  Location: locationEntityV1alpha1Validator,
  Resource: resourceEntityV1alpha1Validator,
  System: systemEntityV1alpha1Validator,
  User: userEntityV1alpha1Validator,
};

// The same envelope policies the catalog backend enforces on ingestion.
const policy = EntityPolicies.allOf([
  new SchemaValidEntityPolicy(),
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
]);

const files = readCatalogFiles(CATALOG);
const entities = files.map(f => f.entity);
const byKind = (kind: string) => entities.filter(e => e.kind === kind);
const refs = new Set(
  entities.map(e =>
    stringifyEntityRef({
      kind: e.kind,
      namespace: e.metadata.namespace ?? 'default',
      name: e.metadata.name,
    }),
  ),
);

/** Every entity reference an entity makes, with the default kind for each field. */
/** A relation field's value as a list: arrays as they are, a single ref wrapped, nothing as []. */
function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return value;
  }
  return value ? [value] : [];
}

function referencesOf(entity: Entity): Array<{ field: string; ref: string }> {
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const fields: Array<[string, string]> = [
    ['owner', 'group'],
    ['system', 'system'],
    ['domain', 'domain'],
    ['parent', 'group'],
    ['children', 'group'],
    ['memberOf', 'group'],
    ['providesApis', 'api'],
    ['consumesApis', 'api'],
    ['dependsOn', 'component'],
    ['dependencyOf', 'component'],
    ['subcomponentOf', 'component'],
  ];
  const out: Array<{ field: string; ref: string }> = [];
  for (const [field, defaultKind] of fields) {
    const value = spec[field];
    const list = asList(value);
    for (const raw of list) {
      out.push({
        field,
        ref: stringifyEntityRef(
          parseEntityRef(String(raw), {
            defaultKind,
            defaultNamespace: 'default',
          }),
        ),
      });
    }
  }
  return out;
}

describe('the demo catalog (catalog/)', () => {
  it('reads every file of the catalog directory', () => {
    const names = new Set(files.map(f => path.basename(f.file)));
    expect(names.has('groups.yaml')).toBe(true);
    expect(names.has('clusters.yaml')).toBe(true);
    expect(files.length).toBeGreaterThan(40);
  });

  it.each(
    files.map(f => [
      `${path.relative(CATALOG, f.file)}: ${f.entity.kind}:${
        f.entity.metadata?.name
      }`,
      f.entity,
    ]),
  )('%s is a valid entity', async (_label, entity) => {
    await expect(policy.enforce(entity as Entity)).resolves.toBeDefined();
    const validator = kindValidators[(entity as Entity).kind];
    expect(validator).toBeDefined();
    await expect(validator.check(entity as Entity)).resolves.toBe(true);
  });

  it('points every Location at files that exist', () => {
    const missing = byKind('Location').flatMap(l =>
      ((l.spec?.targets as string[] | undefined) ?? [])
        .map(t => path.resolve(CATALOG, 'templates', t))
        .filter(file => !fs.existsSync(file)),
    );
    expect(missing).toEqual([]);
    expect(byKind('Location').length).toBeGreaterThan(0);
  });

  it('has no duplicate entities', () => {
    expect(refs.size).toBe(entities.length);
  });

  it('resolves every reference to an entity in the catalog', () => {
    const dangling = entities.flatMap(e =>
      referencesOf(e)
        .filter(r => !refs.has(r.ref))
        .map(r => `${e.kind}:${e.metadata.name} ${r.field} -> ${r.ref}`),
    );
    expect(dangling).toEqual([]);
  });

  it('has the organisation the demo promises', () => {
    const teams = byKind('Group').filter(g => g.spec?.type === 'team');
    expect(teams.length).toBeGreaterThanOrEqual(4);
    for (const team of teams) {
      const ref = `group:default/${team.metadata.name}`;
      const members = byKind('User').filter(u =>
        (u.spec?.memberOf as string[]).some(
          m =>
            stringifyEntityRef(parseEntityRef(m, { defaultKind: 'group' })) ===
            ref,
        ),
      );
      expect({
        team: team.metadata.name,
        hasMembers: members.length > 0,
      }).toEqual({
        team: team.metadata.name,
        hasMembers: true,
      });
    }
    expect(byKind('Domain')).toHaveLength(2);
    expect(byKind('System').length).toBeGreaterThanOrEqual(4);
    const clusters = byKind('Resource').filter(
      r => r.spec?.type === 'kubernetes-cluster',
    );
    expect(clusters.map(c => c.metadata.name).sort()).toEqual([
      'dev',
      'prod-eu',
      'staging',
    ]);
  });

  it('describes every service fully, with the annotations plugins read', () => {
    const services = byKind('Component').filter(
      c => c.spec?.type === 'service',
    );
    expect(services.length).toBeGreaterThanOrEqual(12);
    const lifecycles = new Set(services.map(s => s.spec?.lifecycle));
    expect(lifecycles).toEqual(new Set(['production', 'experimental']));
    for (const s of services) {
      const a = s.metadata.annotations ?? {};
      const problems = [
        !s.spec?.owner && 'owner',
        !s.spec?.system && 'system',
        !s.metadata.description && 'description',
        !s.metadata.tags?.length && 'tags',
        !s.metadata.links?.length && 'links',
        !(a['argocd/app-name'] || a['argocd/app-selector']) &&
          'argocd annotation',
        !a['backstage.io/kubernetes-id'] && 'kubernetes-id',
        !(s.spec?.dependsOn as string[] | undefined)?.some(d =>
          d.startsWith('resource:'),
        ) && 'cluster dependency',
      ].filter(Boolean);
      expect({ service: s.metadata.name, problems }).toEqual({
        service: s.metadata.name,
        problems: [],
      });
    }
  });

  it('rejects a malformed entity (so the checks above can fail)', async () => {
    const broken = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'Not A Valid Name!' },
      spec: { type: 'service', lifecycle: 'production', owner: 'x' },
    } as Entity;
    await expect(policy.enforce(broken)).rejects.toThrow(/metadata.name/);
    const noOwner = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'ok' },
      spec: { type: 'service', lifecycle: 'production' },
    } as Entity;
    await expect(
      componentEntityV1alpha1Validator.check(noOwner),
    ).rejects.toThrow(/owner/);
  });
});
