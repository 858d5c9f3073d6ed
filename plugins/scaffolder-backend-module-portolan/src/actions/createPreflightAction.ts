import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { ArgoCdClient } from '@portolan/argocd-node';
import { z as zod } from 'zod';
import { ServiceAccess } from '../access/ServiceAccess';
import { GitRemoteConfig, readRemoteRefs, repoUrl } from '../gitRemote';
import {
  checkedString,
  entityRefString,
  environmentName,
  parseInput,
} from '../inputs';
import {
  branchNameProblems,
  PROTECTED_BRANCHES,
  serviceNameProblems,
} from '../names';

const inputSchema = zod.object({
  name: zod.string(),
  owner: entityRefString.optional(),
  system: entityRefString.optional(),
  repo: checkedString(serviceNameProblems).optional(),
  existingRepo: checkedString(serviceNameProblems).optional(),
  branch: checkedString(branchNameProblems)
    .refine(
      b => !PROTECTED_BRANCHES.includes(b),
      `must not be ${PROTECTED_BRANCHES.join(' or ')}`,
    )
    .optional(),
  newEntity: zod.boolean().default(true),
  apps: zod
    .array(
      zod.object({
        instance: checkedString(serviceNameProblems),
        name: checkedString(serviceNameProblems),
      }),
    )
    .default([]),
  environments: zod.array(environmentName).default([]),
});

/**
 * `portolan:preflight`: every check that can fail, before any side effect —
 * the person running the template may act on this service (see
 * ServiceAccess), the name is valid and free (or, for an existing service,
 * present) in the catalog, the owner exists, the repository and the Argo CD
 * app names are free, an onboarding branch is new. One error lists every
 * problem, so the user fixes them in one go and nothing is half-created.
 */
export function createPreflightAction(deps: {
  catalog: CatalogService;
  argocd: ArgoCdClient[];
  git?: GitRemoteConfig;
  access: ServiceAccess;
}) {
  return createTemplateAction({
    id: 'portolan:preflight',
    description:
      'Checks a service can be created or changed by the person running the template: access, name, owner, catalog, repository, branch and Argo CD apps',
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('The service name'),
        owner: z =>
          z
            .string()
            .optional()
            .describe(
              'The owning group of a new service, e.g. group:default/team-payments',
            ),
        system: z =>
          z.string().optional().describe('The system a new service joins'),
        repo: z =>
          z
            .string()
            .optional()
            .describe(
              'Repository that must not exist yet on the Portolan Git server',
            ),
        existingRepo: z =>
          z
            .string()
            .optional()
            .describe('Repository that must exist (onboarding)'),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'A branch of existingRepo that must not exist yet (it will be pushed)',
            ),
        newEntity: z =>
          z
            .boolean()
            .default(true)
            .describe('Whether the entity must not exist yet'),
        apps: z =>
          z
            .array(z.object({ instance: z.string(), name: z.string() }))
            .default([])
            .describe('Argo CD apps that must not exist yet'),
        environments: z =>
          z
            .array(z.string().regex(/^[a-z0-9-]{1,63}$/))
            .default([])
            .describe(
              'Environments to deploy to; each resolves to its clusters and Argo CD instance from the catalog',
            ),
      },
      output: {
        entityRef: z => z.string(),
        repoUrl: z => z.string().optional(),
        namespace: z =>
          z
            .string()
            .describe(
              "The service's Kubernetes namespace: backstage.io/kubernetes-namespace, else its name; a new service's system's name",
            ),
        project: z =>
          z
            .string()
            .optional()
            .describe("The service's Argo CD project: its system's name"),
        targets: z =>
          z.array(
            z.object({
              environment: z.string(),
              cluster: z.string(),
              instance: z.string(),
              app: z.string(),
            }),
          ),
      },
    },
    async handler(ctx) {
      // The scaffolder checks the JSON schema only (no refinements, no zod defaults).
      const input = parseInput('portolan:preflight', inputSchema, ctx.input);
      const { name, owner, system, repo, existingRepo, branch, environments } =
        input;
      if (branch !== undefined && existingRepo === undefined) {
        throw new InputError(
          "portolan:preflight: input 'branch' needs 'existingRepo'",
        );
      }
      const credentials = await ctx.getInitiatorCredentials();
      const access = await deps.access.check(
        {
          service: name,
          expect: input.newEntity ? 'new' : 'existing',
          owner,
          system,
          environments,
          deploys: environments.length > 0,
        },
        credentials,
      );
      const { service } = access;
      const denied = [...access.denied];
      const problems = [...access.problems];
      // Environments → clusters → Argo CD instances, from the cluster
      // Resources in the catalog (one place for that knowledge).
      const targets: Array<{
        environment: string;
        cluster: string;
        instance: string;
        app: string;
      }> = [];
      if (environments.length && serviceNameProblems(name).length === 0) {
        const { items: clusters } = await deps.catalog.getEntities(
          { filter: { kind: 'resource', 'spec.type': 'kubernetes-cluster' } },
          { credentials },
        );
        for (const environment of environments) {
          const matching = clusters.filter(
            c =>
              c.metadata.annotations?.['portolan.dev/environment'] ===
              environment,
          );
          if (!matching.length)
            problems.push(
              `Environment: no cluster in the catalog serves '${environment}'`,
            );
          for (const c of matching) {
            const instance =
              c.metadata.annotations?.['portolan.dev/argocd-instance'];
            if (!instance) {
              problems.push(
                `Environment: cluster ${c.metadata.name} names no Argo CD instance (portolan.dev/argocd-instance)`,
              );
              continue;
            }
            targets.push({
              environment,
              cluster: c.metadata.name,
              instance,
              app:
                matching.length > 1
                  ? `${name}-${c.metadata.name}`
                  : `${name}-${environment}`,
            });
          }
        }
      }
      const apps = [
        ...input.apps,
        ...targets.map(t => ({ instance: t.instance, name: t.app })),
      ];
      const checks: Array<Promise<void>> = [];
      if (repo || existingRepo) {
        if (!deps.git) {
          problems.push('Repository: portolan.git is not configured');
        } else {
          const remote = deps.git;
          const failed = (error: unknown) =>
            void problems.push(`Repository: ${(error as Error).message}`);
          if (repo) {
            checks.push(
              readRemoteRefs(remote, repo).then(
                refs =>
                  void (
                    refs.exists &&
                    problems.push(
                      `Repository: '${repo}' already exists on ${remote.url}`,
                    )
                  ),
                failed,
              ),
            );
          }
          if (existingRepo) {
            checks.push(
              readRemoteRefs(remote, existingRepo).then(refs => {
                if (!refs.exists)
                  problems.push(
                    `Repository: '${existingRepo}' does not exist on ${remote.url}`,
                  );
                else if (branch && branch === refs.defaultBranch) {
                  problems.push(
                    `Branch: '${branch}' is the default branch of '${existingRepo}'; onboarding pushes a new branch`,
                  );
                } else if (branch && refs.branches.includes(branch)) {
                  problems.push(
                    `Branch: '${branch}' already exists in '${existingRepo}'`,
                  );
                }
              }, failed),
            );
          }
          for (const r of [repo, existingRepo]) {
            if (r)
              checks.push(
                deps.access
                  .checkRepository(r, service, credentials)
                  .then(d => void denied.push(...d)),
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
            existing =>
              void (
                existing &&
                problems.push(
                  `Argo CD: app '${app.name}' already exists on ${app.instance}`,
                )
              ),
            error => void problems.push(`Argo CD: ${(error as Error).message}`),
          ),
        );
      }
      await Promise.all(checks);
      ServiceAccess.assert({ denied, problems }, 'Pre-flight checks failed');
      ctx.logger.info(
        `Pre-flight checks passed for ${service.entityRef}${
          apps.length ? ` and ${apps.length} Argo CD apps` : ''
        }`,
      );
      ctx.output('entityRef', service.entityRef);
      ctx.output('targets', targets);
      ctx.output('namespace', service.namespace);
      if (service.project) ctx.output('project', service.project);
      const repoName = repo ?? existingRepo;
      if (repoName && deps.git)
        ctx.output('repoUrl', repoUrl(deps.git, repoName));
    },
  });
}
