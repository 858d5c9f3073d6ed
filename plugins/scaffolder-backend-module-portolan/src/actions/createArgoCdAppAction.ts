import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { EventsService } from '@backstage/plugin-events-node';
import { ARGOCD_APPLICATIONS_TOPIC, ArgoCdClient } from '@portolan/argocd-node';
import { SERVICE_NAME_PATTERN, serviceNameProblems } from '../names';

/**
 * `argocd:app:create`: an Argo CD project (if missing) and an application
 * on the named instance, labelled so the service's `argocd/app-selector`
 * (`backstage.io/kubernetes-id=<service>`) finds it. Idempotent: an app
 * that already exists with the same source is reported, not duplicated.
 */
export function createArgoCdAppAction(deps: {
  argocd: ArgoCdClient[];
  /** Cluster name → API server URL, from the Kubernetes config. */
  clusterServers: Map<string, string>;
  /** Told about new apps, so the catalog's app index sees them at once. */
  events?: Pick<EventsService, 'publish'>;
}) {
  return createTemplateAction({
    id: 'argocd:app:create',
    description: 'Creates an Argo CD project and application for a service',
    supportsDryRun: true,
    schema: {
      input: {
        instance: z => z.string().describe('Argo CD instance (argocd.appLocatorMethods)'),
        service: z => z.string().describe('The service (backstage.io/kubernetes-id label value)'),
        environment: z => z.string().regex(/^[a-z0-9-]{1,63}$/).describe('Environment label'),
        name: z => z.string().optional().describe('App name; default <service>-<environment>'),
        project: z => z.string().regex(new RegExp(SERVICE_NAME_PATTERN)).describe('Argo CD project'),
        repoUrl: z => z.string().url().describe('Git repository URL'),
        path: z => z.string().regex(/^[A-Za-z0-9._/-]{1,255}$/).refine(p => !p.split('/').includes('..'), 'must not contain ..'),
        targetRevision: z => z.string().default('main'),
        cluster: z => z.string().describe('Destination cluster name (kubernetes.clusterLocatorMethods)'),
        namespace: z => z.string().regex(new RegExp(SERVICE_NAME_PATTERN)),
      },
      output: {
        appName: z => z.string(),
        appUrl: z => z.string(),
        created: z => z.boolean(),
      },
    },
    async handler(ctx) {
      const { instance, service, environment, project, repoUrl, path, cluster, namespace } = ctx.input;
      const targetRevision = ctx.input.targetRevision ?? 'main';
      const name = ctx.input.name ?? `${service}-${environment}`;
      const problems = [...serviceNameProblems(service).map(p => `service: ${p}`), ...serviceNameProblems(name).map(p => `name: ${p}`)];
      if (problems.length) throw new InputError(`Invalid input: ${problems.join('; ')}`);
      const client = deps.argocd.find(c => c.name === instance);
      if (!client) {
        throw new InputError(`No Argo CD instance '${instance}'; configured: ${deps.argocd.map(c => c.name).join(', ') || 'none'}`);
      }
      const server = deps.clusterServers.get(cluster);
      if (!server) throw new InputError(`No cluster '${cluster}' in kubernetes.clusterLocatorMethods`);
      ctx.output('appName', name);
      ctx.output('appUrl', client.appUrl(name));
      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: would create Argo CD app ${name} on ${instance} (${repoUrl} ${path} → ${cluster}/${namespace})`);
        ctx.output('created', false);
        return;
      }
      const existing = await client.getApplication(name);
      if (existing) {
        const source = (existing.spec as { source?: { repoURL?: string; path?: string } }).source;
        if (source?.repoURL !== repoUrl || (source as { path?: string })?.path !== path) {
          throw new InputError(
            `Argo CD app ${name} already exists on ${instance} with another source (${source?.repoURL} ${source?.path}); nothing was changed`,
          );
        }
        ctx.logger.info(`exists: Argo CD app ${name} on ${instance} (${client.appUrl(name)}), left as it is`);
        ctx.output('created', false);
        return;
      }
      if (!(await client.getProject(project))) {
        await client.createProject({
          metadata: { name: project },
          spec: {
            description: `Created by Portolan for ${service}`,
            sourceRepos: ['*'],
            destinations: [{ server, namespace: '*' }],
            clusterResourceWhitelist: [],
          },
        });
        ctx.logger.info(`created: Argo CD project ${project} on ${instance}`);
      }
      await client.createApplication({
        metadata: {
          name,
          namespace: 'argocd',
          labels: { 'backstage.io/kubernetes-id': service, 'portolan.dev/environment': environment },
        },
        spec: {
          project,
          source: { repoURL: repoUrl, path, targetRevision },
          destination: { server, namespace },
          syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
        },
      });
      ctx.logger.info(`created: Argo CD app ${name} on ${instance} (${client.appUrl(name)})`);
      await deps.events?.publish({ topic: ARGOCD_APPLICATIONS_TOPIC, eventPayload: { instance, name } });
      ctx.output('created', true);
    },
  });
}
