import { AuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { EventsService } from '@backstage/plugin-events-node';
import { ARGOCD_APPLICATIONS_TOPIC, ArgoCdClient } from '@portolan/argocd-node';
import { z as zod } from 'zod';
import { ServiceAccess } from '../access/ServiceAccess';
import { GitRemoteConfig, repoOfUrl } from '../gitRemote';
import {
  checkedString,
  entityRefString,
  environmentName,
  parseInput,
} from '../inputs';
import { branchNameProblems, serviceNameProblems } from '../names';
import { ensureServiceProject } from './serviceProject';

const inputSchema = zod.object({
  instance: checkedString(serviceNameProblems),
  service: checkedString(serviceNameProblems),
  environment: environmentName,
  name: checkedString(serviceNameProblems).optional(),
  owner: entityRefString.optional(),
  system: entityRefString.optional(),
  repoUrl: zod.string().url(),
  path: zod
    .string()
    .regex(
      /^[A-Za-z0-9._/-]{1,255}$/,
      'must be a relative path of letters, digits, ., _, - and /',
    )
    .refine(
      p => !p.startsWith('/') && !p.split('/').includes('..'),
      'must stay inside the repository (no leading / or ..)',
    ),
  targetRevision: zod
    .string()
    .default('main')
    .refine(
      r => r === 'HEAD' || branchNameProblems(r).length === 0,
      'must be HEAD or a valid branch name',
    ),
  cluster: checkedString(serviceNameProblems),
});

/**
 * `argocd:app:create`: an Argo CD application for a service on one of its
 * clusters, labelled so the service's `argocd/app-selector`
 * (`backstage.io/kubernetes-id=<service>`) finds it. Everything that
 * matters is decided here, not by the template: the person running it may
 * change the service (or owns the new one), the cluster serves the
 * environment on that Argo CD instance, the repository is on the Portolan
 * Git server, the namespace is the service's (never a reserved one), the
 * project is its system's (never `default`) and admits only what the
 * service needs, and the sync policy comes from config per environment.
 * Idempotent: an equal app that exists is reported, not duplicated.
 */
export function createArgoCdAppAction(deps: {
  argocd: ArgoCdClient[];
  /** Cluster name → API server URL, from the Kubernetes config. */
  clusterServers: Map<string, string>;
  catalog: CatalogService;
  auth: AuthService;
  access: ServiceAccess;
  git?: GitRemoteConfig;
  /** Told about new apps, so the catalog's app index sees them at once. */
  events?: Pick<EventsService, 'publish'>;
}) {
  return createTemplateAction({
    id: 'argocd:app:create',
    description:
      "Creates an Argo CD application for a service, in its namespace and its system's project",
    supportsDryRun: true,
    schema: {
      input: {
        instance: z =>
          z
            .string()
            .describe(
              'Argo CD instance (argocd.appLocatorMethods); must be the one the cluster names',
            ),
        service: z =>
          z
            .string()
            .describe(
              'The service (backstage.io/kubernetes-id label value; component:default/<service>)',
            ),
        environment: z =>
          z
            .string()
            .describe(
              "Environment; must be the cluster's portolan.dev/environment",
            ),
        name: z =>
          z
            .string()
            .optional()
            .describe('App name; default <service>-<environment>'),
        owner: z =>
          z
            .string()
            .optional()
            .describe(
              'Owning group, when the service is not in the catalog yet',
            ),
        system: z =>
          z
            .string()
            .optional()
            .describe(
              'System (the Argo CD project), when the service is not in the catalog yet',
            ),
        repoUrl: z =>
          z.string().describe('Git repository URL, on portolan.git.url'),
        path: z => z.string().describe('Directory of the repository to deploy'),
        targetRevision: z => z.string().default('main'),
        cluster: z =>
          z
            .string()
            .describe(
              'Destination cluster name (kubernetes.clusterLocatorMethods and a kubernetes-cluster Resource)',
            ),
      },
      output: {
        appName: z => z.string(),
        appUrl: z => z.string(),
        created: z => z.boolean(),
        namespace: z => z.string(),
        project: z => z.string(),
        automated: z =>
          z
            .boolean()
            .describe(
              'Whether the app syncs by itself (from portolan.onboarding.syncPolicy)',
            ),
      },
    },
    async handler(ctx) {
      // The scaffolder checks the JSON schema only (no refinements, no zod defaults).
      const input = parseInput('argocd:app:create', inputSchema, ctx.input);
      const {
        instance,
        service,
        environment,
        repoUrl,
        path,
        targetRevision,
        cluster,
      } = input;
      const name = input.name ?? `${service}-${environment}`;
      const client = deps.argocd.find(c => c.name === instance);
      if (!client) {
        throw new InputError(
          `No Argo CD instance '${instance}'; configured: ${
            deps.argocd.map(c => c.name).join(', ') || 'none'
          }`,
        );
      }
      const server = deps.clusterServers.get(cluster);
      if (!server)
        throw new InputError(
          `No cluster '${cluster}' in kubernetes.clusterLocatorMethods`,
        );

      // What the template says is checked against the catalog: the cluster
      // serves this environment on this instance (so a prod cluster cannot
      // be reached under another environment's name).
      const problems: string[] = [];
      const clusterEntity = await deps.catalog.getEntityByRef(
        { kind: 'resource', namespace: 'default', name: cluster },
        { credentials: await deps.auth.getOwnServiceCredentials() },
      );
      const annotations = clusterEntity?.metadata.annotations ?? {};
      if (!clusterEntity || clusterEntity.spec?.type !== 'kubernetes-cluster') {
        problems.push(
          `Cluster: resource:default/${cluster} is not a kubernetes-cluster in the catalog`,
        );
      } else {
        if (annotations['portolan.dev/environment'] !== environment) {
          problems.push(
            `Cluster: ${cluster} serves '${
              annotations['portolan.dev/environment'] ?? 'no environment'
            }', not '${environment}'`,
          );
        }
        if (annotations['portolan.dev/argocd-instance'] !== instance) {
          problems.push(
            `Cluster: ${cluster} is deployed to by '${
              annotations['portolan.dev/argocd-instance'] ??
              'no Argo CD instance'
            }', not '${instance}'`,
          );
        }
      }
      const pinned = repoOfUrl(deps.git, repoUrl);
      if (pinned.problem) problems.push(`Input 'repoUrl': ${pinned.problem}`);

      const credentials = await ctx.getInitiatorCredentials();
      const access = await deps.access.check(
        {
          service,
          owner: input.owner,
          system: input.system,
          environments: [environment],
          deploys: true,
        },
        credentials,
      );
      const denied = [...access.denied];
      if (pinned.repo && !denied.length)
        denied.push(
          ...(await deps.access.checkRepository(
            pinned.repo,
            access.service,
            credentials,
          )),
        );
      ServiceAccess.assert(
        { denied, problems: [...problems, ...access.problems] },
        `Not creating Argo CD app ${name}`,
      );
      const { namespace, project } = access.service as {
        namespace: string;
        project: string;
      };
      const sync = deps.access.onboardingConfig.syncPolicy(environment);

      ctx.output('appName', name);
      ctx.output('appUrl', client.appUrl(name));
      ctx.output('namespace', namespace);
      ctx.output('project', project);
      ctx.output('automated', sync.automated);
      const where = `${repoUrl} ${path} → ${cluster}/${namespace}, project ${project}, ${
        sync.automated ? 'automated sync' : 'manual sync'
      }`;
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would create Argo CD app ${name} on ${instance} (${where})`,
        );
        ctx.output('created', false);
        return;
      }
      const existing = await client.getApplication(name);
      if (existing) {
        const spec = existing.spec as {
          project?: string;
          source?: { repoURL?: string; path?: string };
          destination?: { server?: string; namespace?: string };
        };
        const same =
          spec.source?.repoURL === repoUrl &&
          spec.source?.path === path &&
          spec.project === project &&
          spec.destination?.server === server &&
          spec.destination?.namespace === namespace;
        if (!same) {
          throw new InputError(
            `Argo CD app ${name} already exists on ${instance} with another source, project or destination ` +
              `(${spec.source?.repoURL} ${spec.source?.path} → ${spec.destination?.namespace}, project ${spec.project}); nothing was changed`,
          );
        }
        ctx.logger.info(
          `exists: Argo CD app ${name} on ${instance} (${client.appUrl(
            name,
          )}), left as it is`,
        );
        ctx.output('created', false);
        return;
      }
      const projectChange = await ensureServiceProject(client, {
        project,
        service,
        repoUrl,
        server,
        namespace,
      });
      if (projectChange !== 'unchanged') {
        ctx.logger.info(
          `${projectChange}: Argo CD project ${project} on ${instance} (admits ${repoUrl} → ${cluster}/${namespace})`,
        );
      }
      await client.createApplication({
        metadata: {
          name,
          namespace: 'argocd',
          labels: {
            'backstage.io/kubernetes-id': service,
            'portolan.dev/environment': environment,
          },
        },
        spec: {
          project,
          source: { repoURL: repoUrl, path, targetRevision },
          destination: { server, namespace },
          syncPolicy: {
            ...(sync.automated
              ? { automated: { prune: sync.prune, selfHeal: sync.selfHeal } }
              : {}),
            syncOptions: ['CreateNamespace=true'],
          },
        },
      });
      ctx.logger.info(
        `created: Argo CD app ${name} on ${instance} (${client.appUrl(
          name,
        )}; ${where})`,
      );
      await deps.events?.publish({
        topic: ARGOCD_APPLICATIONS_TOPIC,
        eventPayload: { instance, name },
      });
      ctx.output('created', true);
    },
  });
}
