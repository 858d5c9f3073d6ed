import { ArgoCdClient } from '@portolan/argocd-node';
import { z } from 'zod';

const projectSchema = z
  .object({
    metadata: z
      .object({ name: z.string(), resourceVersion: z.string().optional() })
      .passthrough(),
    spec: z
      .object({
        sourceRepos: z.array(z.string()).default([]),
        destinations: z
          .array(
            z
              .object({
                server: z.string().optional(),
                name: z.string().optional(),
                namespace: z.string().optional(),
              })
              .passthrough(),
          )
          .default([]),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();

export interface ProjectNeeds {
  project: string;
  service: string;
  repoUrl: string;
  server: string;
  namespace: string;
}

/**
 * Makes the service's Argo CD project (its system's) admit this app: a new
 * project gets the service's repository as its only source and this
 * cluster and namespace as its only destination, and no cluster-scoped
 * resources; an existing one gets the repository and destination added if
 * it does not already admit them (nothing else changes, nothing is
 * widened), so each cluster the service uses becomes one destination.
 * Returns what it did, for the task log.
 */
export async function ensureServiceProject(
  client: ArgoCdClient,
  needs: ProjectNeeds,
): Promise<'created' | 'updated' | 'unchanged'> {
  const { project, service, repoUrl, server, namespace } = needs;
  const found = await client.getProject(project);
  if (!found) {
    await client.createProject({
      metadata: { name: project },
      spec: {
        description: `Created by Portolan for ${service}`,
        sourceRepos: [repoUrl],
        destinations: [{ server, namespace }],
        clusterResourceWhitelist: [],
      },
    });
    return 'created';
  }
  const parsed = projectSchema.safeParse(found);
  if (!parsed.success) {
    throw new Error(
      `Argo CD instance ${client.name}: project ${project} has an unexpected shape (${parsed.error.issues[0].message})`,
    );
  }
  const { metadata, spec } = parsed.data;
  const admitsRepo = spec.sourceRepos.some(r => r === '*' || r === repoUrl);
  const admitsDestination = spec.destinations.some(
    d =>
      (d.server === '*' || d.server === server) &&
      (d.namespace === '*' || d.namespace === namespace),
  );
  if (admitsRepo && admitsDestination) return 'unchanged';
  await client.updateProject({
    metadata,
    spec: {
      ...spec,
      sourceRepos: admitsRepo
        ? spec.sourceRepos
        : [...spec.sourceRepos, repoUrl],
      destinations: admitsDestination
        ? spec.destinations
        : [...spec.destinations, { server, namespace }],
    },
  });
  return 'updated';
}
