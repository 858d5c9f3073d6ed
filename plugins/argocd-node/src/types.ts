import { z } from 'zod';

/**
 * The parts of Argo CD's v1alpha1Application that Portolan reads. Unknown
 * fields pass through; what we read is validated, so a malformed upstream
 * answer is an error naming the instance, not a crash further down.
 */
export const revisionHistorySchema = z
  .object({
    id: z.coerce.number(),
    revision: z.string().optional(),
    deployedAt: z.string(),
    deployStartedAt: z.string().optional(),
    source: z.object({ repoURL: z.string().optional() }).passthrough().optional(),
    initiatedBy: z
      .object({ username: z.string().optional(), automated: z.boolean().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

export const operationStateSchema = z
  .object({
    operation: z
      .object({
        sync: z.object({ revision: z.string().optional() }).passthrough().optional(),
        initiatedBy: z
          .object({ username: z.string().optional(), automated: z.boolean().optional() })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .optional(),
    phase: z.string(),
    message: z.string().optional(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    syncResult: z.object({ revision: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

export const applicationSchema = z
  .object({
    metadata: z
      .object({
        name: z.string(),
        namespace: z.string().optional(),
        labels: z.record(z.string()).optional(),
      })
      .passthrough(),
    spec: z
      .object({
        project: z.string().optional(),
        source: z.object({ repoURL: z.string().optional() }).passthrough().optional(),
        destination: z
          .object({
            server: z.string().optional(),
            name: z.string().optional(),
            namespace: z.string().optional(),
          })
          .passthrough(),
      })
      .passthrough(),
    status: z
      .object({
        sync: z
          .object({ status: z.string().optional(), revision: z.string().optional() })
          .passthrough()
          .optional(),
        health: z.object({ status: z.string().optional() }).passthrough().optional(),
        history: z.array(revisionHistorySchema).optional(),
        operationState: operationStateSchema.optional(),
        reconciledAt: z.string().optional(),
        summary: z.object({ images: z.array(z.string()).optional() }).passthrough().optional(),
        resources: z
          .array(
            z
              .object({
                kind: z.string(),
                name: z.string(),
                namespace: z.string().optional(),
                health: z.object({ status: z.string().optional(), message: z.string().optional() }).passthrough().optional(),
              })
              .passthrough(),
          )
          .nullish(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

export const projectSchema = z
  .object({ metadata: z.object({ name: z.string() }).passthrough() })
  .passthrough();

export const applicationListSchema = z
  .object({ items: z.array(applicationSchema).nullish() })
  .passthrough();

export const revisionMetadataSchema = z
  .object({
    author: z.string().optional(),
    date: z.string().optional(),
    message: z.string().optional(),
    tags: z.array(z.string()).nullish(),
  })
  .passthrough();

export type ArgoCdApplication = z.infer<typeof applicationSchema>;
export type ArgoCdRevisionHistory = z.infer<typeof revisionHistorySchema>;
export type ArgoCdRevisionMetadata = z.infer<typeof revisionMetadataSchema>;
