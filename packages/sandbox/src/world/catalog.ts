import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/** What the sandbox needs from the catalog, validated. */
export interface CatalogModel {
  services: Array<{
    name: string;
    system: string;
    owner: string;
    lifecycle: string;
    namespace: string;
    clusters: string[];
  }>;
  clusters: Array<{ name: string; environment: string; instance: string }>;
  usersByGroup: Map<
    string,
    Array<{ name: string; displayName: string; email: string }>
  >;
}

const entitySchema = z.object({
  kind: z.string(),
  metadata: z.object({
    name: z.string(),
    annotations: z.record(z.string()).optional(),
  }),
  spec: z.record(z.unknown()).optional(),
});

function refName(ref: string): string {
  return ref.split('/').pop()!.split(':').pop()!;
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return files(full);
    return /\.ya?ml$/.test(e.name) ? [full] : [];
  });
}

/** Reads the catalog directory. A bad file is an error naming the file. */
export function readCatalog(dir: string): CatalogModel {
  const model: CatalogModel = {
    services: [],
    clusters: [],
    usersByGroup: new Map(),
  };
  for (const file of files(dir).sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      if (doc.errors.length)
        throw new Error(`sandbox: ${file}: ${doc.errors[0].message}`);
      const parsed = entitySchema.safeParse(doc.toJSON());
      if (!parsed.success) {
        throw new Error(
          `sandbox: ${file}: not an entity (${parsed.error.issues[0].message})`,
        );
      }
      const e = parsed.data;
      const spec = (e.spec ?? {}) as Record<string, any>;
      const a = e.metadata.annotations ?? {};
      if (e.kind === 'Resource' && spec.type === 'kubernetes-cluster') {
        model.clusters.push({
          name: e.metadata.name,
          environment: a['portolan.dev/environment'] ?? e.metadata.name,
          instance: a['portolan.dev/argocd-instance'] ?? 'argocd',
        });
      } else if (e.kind === 'Component' && spec.type === 'service') {
        model.services.push({
          name: e.metadata.name,
          system: refName(String(spec.system ?? 'default')),
          owner: refName(String(spec.owner ?? 'unknown')),
          lifecycle: String(spec.lifecycle ?? 'production'),
          namespace: a['backstage.io/kubernetes-namespace'] ?? 'default',
          clusters: ((spec.dependsOn as string[] | undefined) ?? [])
            .filter(d => d.startsWith('resource:'))
            .map(refName),
        });
      } else if (e.kind === 'User') {
        const profile = (spec.profile ?? {}) as Record<string, string>;
        for (const group of (spec.memberOf as string[] | undefined) ?? []) {
          const g = refName(group);
          const list = model.usersByGroup.get(g) ?? [];
          list.push({
            name: e.metadata.name,
            displayName: profile.displayName ?? e.metadata.name,
            email: profile.email ?? `${e.metadata.name}@portolan.example`,
          });
          model.usersByGroup.set(g, list);
        }
      }
    }
  }
  const clusterNames = new Set(model.clusters.map(c => c.name));
  for (const s of model.services)
    s.clusters = s.clusters.filter(c => clusterNames.has(c));
  return model;
}
