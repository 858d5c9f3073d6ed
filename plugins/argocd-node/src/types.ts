import { z } from 'zod';

/**
 * The parts of Argo CD's v1alpha1Application that Portolan reads. Unknown
 * fields pass through; what we read is validated, so a malformed upstream
 * answer is an error naming the instance, not a crash further down.
 */
/** v1alpha1OperationInitiator: a user, or Argo CD's automated sync. */
export const operationInitiatorSchema = z
  .object({
    username: z.string().optional(),
    automated: z.boolean().optional(),
  })
  .passthrough();

export const revisionHistorySchema = z
  .object({
    id: z.coerce.number(),
    revision: z.string().optional(),
    deployedAt: z.string(),
    deployStartedAt: z.string().optional(),
    source: z
      .object({ repoURL: z.string().optional() })
      .passthrough()
      .optional(),
    initiatedBy: operationInitiatorSchema.optional(),
  })
  .passthrough();

export const operationStateSchema = z
  .object({
    operation: z
      .object({
        sync: z
          .object({ revision: z.string().optional() })
          .passthrough()
          .optional(),
        initiatedBy: operationInitiatorSchema.optional(),
      })
      .passthrough()
      .optional(),
    phase: z.string(),
    message: z.string().optional(),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    syncResult: z
      .object({ revision: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** v1alpha1HealthStatus. */
export const healthStatusSchema = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    lastTransitionTime: z.string().nullish(),
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
        source: z
          .object({ repoURL: z.string().optional() })
          .passthrough()
          .optional(),
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
          .object({
            status: z.string().optional(),
            revision: z.string().optional(),
          })
          .passthrough()
          .optional(),
        health: healthStatusSchema.optional(),
        history: z.array(revisionHistorySchema).nullish(),
        operationState: operationStateSchema.optional(),
        reconciledAt: z.string().optional(),
        summary: z
          .object({ images: z.array(z.string()).nullish() })
          .passthrough()
          .optional(),
        /**
         * `appTree` since Argo CD 3.0 (by default): resources[].health is not
         * stored in the Application, nor listed; read it from the resource
         * tree (getResourceTree). Empty: health is inline, as before 3.0.
         */
        resourceHealthSource: z.string().optional(),
        resources: z
          .array(
            z
              .object({
                kind: z.string(),
                name: z.string(),
                namespace: z.string().optional(),
                health: healthStatusSchema.optional(),
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

/** v1alpha1ResourceRef. */
export const resourceRefSchema = z
  .object({
    group: z.string().optional(),
    version: z.string().optional(),
    kind: z.string(),
    namespace: z.string().optional(),
    name: z.string(),
    uid: z.string().optional(),
  })
  .passthrough();

/** v1alpha1ResourceNode: a live object with its health and parents. */
export const resourceNodeSchema = resourceRefSchema
  .extend({
    parentRefs: z.array(resourceRefSchema).nullish(),
    health: healthStatusSchema.optional(),
    info: z
      .array(
        z
          .object({ name: z.string().optional(), value: z.string().optional() })
          .passthrough(),
      )
      .nullish(),
    images: z.array(z.string()).nullish(),
    resourceVersion: z.string().optional(),
    createdAt: z.string().nullish(),
  })
  .passthrough();

/** v1alpha1ApplicationTree (GET /api/v1/applications/{name}/resource-tree). */
export const applicationTreeSchema = z
  .object({
    nodes: z.array(resourceNodeSchema).nullish(),
    orphanedNodes: z.array(resourceNodeSchema).nullish(),
  })
  .passthrough();

/** runtimeError: Argo CD's error body (grpc-gateway): gRPC code and message. */
export const runtimeErrorSchema = z
  .object({
    error: z.string().optional(),
    code: z.number().optional(),
    message: z.string().optional(),
  })
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
export type ArgoCdApplicationTree = z.infer<typeof applicationTreeSchema>;
export type ArgoCdResourceNode = z.infer<typeof resourceNodeSchema>;
export type ArgoCdRevisionHistory = z.infer<typeof revisionHistorySchema>;
export type ArgoCdRevisionMetadata = z.infer<typeof revisionMetadataSchema>;
