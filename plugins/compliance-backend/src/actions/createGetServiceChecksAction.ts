import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { entityForAction, entityRefInput } from '@portolan/portolan-node';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ComplianceService } from '../services/ComplianceService';

/** `compliance:get-service-checks`: a service's level, score and checks, read as the caller. */
export function createGetServiceChecksAction(deps: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  compliance: ComplianceService;
}) {
  deps.actionsRegistry.register({
    name: 'get-service-checks',
    title: 'Compliance checks of a service',
    description:
      "A service's compliance level and score, and each check with pass / fail / waived / unknown, the reason, the evidence and how to fix it.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          entityRef: entityRefInput(z),
        }),
      output: z =>
        z.object({
          entityRef: z.string(),
          level: z.string(),
          score: z.number().nullable(),
          counts: z.object({
            pass: z.number(),
            fail: z.number(),
            waived: z.number(),
            unknown: z.number(),
          }),
          checks: z.array(
            z.object({
              checkId: z.string(),
              title: z.string(),
              status: z.enum(['pass', 'fail', 'waived', 'unknown']),
              reason: z.string(),
              fix: z.string(),
              evidence: z.array(
                z.object({ source: z.string(), fact: z.string() }),
              ),
              waivedUntil: z.string().optional(),
            }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      // Read as the caller: an entity the caller may not see is not found.
      const entity = await entityForAction(
        deps.catalog,
        input.entityRef,
        credentials,
      );
      const view = await deps.compliance.service(stringifyEntityRef(entity));
      return {
        output: {
          entityRef: view.entityRef,
          level: view.level,
          score: view.score,
          counts: view.counts,
          checks: view.checks.map(c => ({
            checkId: c.checkId,
            title: c.title,
            status: c.status,
            reason: c.reason,
            fix: c.fix,
            evidence: c.evidence,
            ...(c.waiver ? { waivedUntil: c.waiver.expiresAt } : {}),
          })),
        },
      };
    },
  });
}
