import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ArgoCdClient } from '@portolan/argocd-node';
import { GitRemoteConfig, repoExists, repoUrl } from '../gitRemote';
import { serviceNameProblems } from '../names';

/**
 * `portolan:preflight`: every check that can fail, before any side effect —
 * the name is valid and free in the catalog, the owner exists, the
 * repository and the Argo CD app names are free. One error lists every
 * problem, so the user fixes them in one go and nothing is half-created.
 */
export function createPreflightAction(deps: {
  catalog: CatalogService;
  argocd: ArgoCdClient[];
  git?: GitRemoteConfig;
}) {
  return createTemplateAction({
    id: 'portolan:preflight',
    description: 'Checks a new service can be created: name, owner, catalog, repository and Argo CD apps',
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('The new service name'),
        owner: z => z.string().optional().describe('The owning group, e.g. group:default/team-payments'),
        system: z => z.string().optional().describe('The system it is part of'),
        repo: z => z.string().optional().describe('Repository that must not exist yet on the Portolan Git server'),
        existingRepo: z => z.string().optional().describe('Repository that must exist (onboarding)'),
        newEntity: z => z.boolean().default(true).describe('Whether the entity must not exist yet'),
        apps: z =>
          z
            .array(z.object({ instance: z.string(), name: z.string() }))
            .default([])
            .describe('Argo CD apps that must not exist yet'),
        environments: z =>
          z
            .array(z.string().regex(/^[a-z0-9-]{1,63}$/))
            .default([])
            .describe('Environments to deploy to; each resolves to its clusters and Argo CD instance from the catalog'),
      },
      output: {
        entityRef: z => z.string(),
        repoUrl: z => z.string().optional(),
        namespace: z =>
          z.string().optional().describe("An existing service's Kubernetes namespace (backstage.io/kubernetes-namespace, else its name)"),
        project: z => z.string().optional().describe("An existing service's Argo CD project: its system's name, else default"),
        targets: z =>
          z.array(
            z.object({ environment: z.string(), cluster: z.string(), instance: z.string(), app: z.string() }),
          ),
      },
    },
    async handler(ctx) {
      // The scaffolder validates input against the JSON schema but does not
      // apply zod defaults: apply them here.
      const { name, owner, system, repo, existingRepo } = ctx.input;
      const newEntity = ctx.input.newEntity ?? true;
      const environments = ctx.input.environments ?? [];
      const problems = serviceNameProblems(name).map(p => `Name: ${p}`);
      const credentials = await ctx.getInitiatorCredentials();
      // Environments → clusters → Argo CD instances, from the cluster
      // Resources in the catalog (one place for that knowledge).
      const targets: Array<{ environment: string; cluster: string; instance: string; app: string }> = [];
      if (environments.length) {
        const { items: clusters } = await deps.catalog.getEntities(
          { filter: { kind: 'resource', 'spec.type': 'kubernetes-cluster' } },
          { credentials },
        );
        for (const environment of environments) {
          const matching = clusters.filter(c => c.metadata.annotations?.['portolan.dev/environment'] === environment);
          if (!matching.length) problems.push(`Environment: no cluster in the catalog serves '${environment}'`);
          for (const c of matching) {
            const instance = c.metadata.annotations?.['portolan.dev/argocd-instance'];
            if (!instance) {
              problems.push(`Environment: cluster ${c.metadata.name} names no Argo CD instance (portolan.dev/argocd-instance)`);
              continue;
            }
            targets.push({ environment, cluster: c.metadata.name, instance, app: matching.length > 1 ? `${name}-${c.metadata.name}` : `${name}-${environment}` });
          }
        }
      }
      const apps = [...(ctx.input.apps ?? []), ...targets.map(t => ({ instance: t.instance, name: t.app }))];
      const entityRef = stringifyEntityRef({ kind: 'component', namespace: 'default', name });
      const checks: Array<Promise<void>> = [];
      let existingService: { namespace: string; project: string } | undefined;
      if (problems.length === 0) {
        checks.push(
          deps.catalog.getEntityByRef(entityRef, { credentials }).then(existing => {
            if (newEntity && existing) problems.push(`Name: ${entityRef} is already in the catalog`);
            if (!newEntity && !existing) problems.push(`Name: ${entityRef} is not in the catalog`);
            if (!newEntity && existing) {
              // Where the service already deploys, so a new environment matches.
              const namespace = existing.metadata.annotations?.['backstage.io/kubernetes-namespace'] ?? name;
              const system = typeof existing.spec?.system === 'string' ? existing.spec.system : undefined;
              for (const p of serviceNameProblems(namespace)) {
                problems.push(`Name: ${entityRef} has an unusable backstage.io/kubernetes-namespace: ${p}`);
              }
              existingService = {
                namespace,
                project: system ? parseEntityRef(system, { defaultKind: 'system', defaultNamespace: 'default' }).name : 'default',
              };
            }
          }),
        );
      }
      if (owner !== undefined) {
        checks.push(
          deps.catalog.getEntityByRef(owner, { credentials }).then(group => {
            if (!group || group.kind.toLocaleLowerCase('en-US') !== 'group') {
              problems.push(`Owner: '${owner}' is not a group in the catalog`);
            }
          }),
        );
      }
      if (system) {
        checks.push(
          deps.catalog.getEntityByRef(system, { credentials }).then(found => {
            if (!found) problems.push(`System: '${system}' is not in the catalog`);
          }),
        );
      }
      if (repo || existingRepo) {
        if (!deps.git) {
          problems.push('Repository: portolan.git is not configured');
        } else {
          if (repo) {
            checks.push(
              repoExists(deps.git, repo).then(
                exists => void (exists && problems.push(`Repository: '${repo}' already exists on ${deps.git!.url}`)),
                error => void problems.push(`Repository: ${(error as Error).message}`),
              ),
            );
          }
          if (existingRepo) {
            checks.push(
              repoExists(deps.git, existingRepo).then(
                exists => void (!exists && problems.push(`Repository: '${existingRepo}' does not exist on ${deps.git!.url}`)),
                error => void problems.push(`Repository: ${(error as Error).message}`),
              ),
            );
          }
        }
      }
      for (const app of apps) {
        const client = deps.argocd.find(c => c.name === app.instance);
        if (!client) {
          problems.push(`Argo CD: no instance '${app.instance}' is configured`);
          continue;
        }
        checks.push(
          client.getApplication(app.name).then(
            existing => void (existing && problems.push(`Argo CD: app '${app.name}' already exists on ${app.instance}`)),
            error => void problems.push(`Argo CD: ${(error as Error).message}`),
          ),
        );
      }
      await Promise.all(checks);
      if (problems.length) {
        throw new InputError(`Pre-flight checks failed; nothing was created:\n- ${problems.join('\n- ')}`);
      }
      ctx.logger.info(`Pre-flight checks passed for ${entityRef}${apps.length ? ` and ${apps.length} Argo CD apps` : ''}`);
      ctx.output('entityRef', entityRef);
      ctx.output('targets', targets);
      if (existingService) {
        ctx.output('namespace', existingService.namespace);
        ctx.output('project', existingService.project);
      }
      const repoName = repo ?? existingRepo;
      if (repoName && deps.git) ctx.output('repoUrl', repoUrl(deps.git, repoName));
    },
  });
}
