import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ComplianceService } from '../services/ComplianceService';

/** `compliance:get-team-summary`: a team's compliance KPIs, read as the caller. */
export function createGetTeamSummaryAction(deps: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  compliance: ComplianceService;
}) {
  deps.actionsRegistry.register({
    name: 'get-team-summary',
    title: 'Compliance summary of a team',
    description:
      "A team's compliance: services, average score, services per level, its worst services and the checks failed most, with the weekly trend of the average score.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.object({
          team: z
            .string()
            .describe(
              'The team, like group:default/team-payments or team-payments',
            ),
        }),
      output: z =>
        z.object({
          team: z.string(),
          services: z.number(),
          averageScore: z.number().nullable(),
          levels: z.record(z.number()),
          worstServices: z.array(
            z.object({
              entityRef: z.string(),
              score: z.number().nullable(),
              level: z.string(),
              failing: z.array(z.string()),
            }),
          ),
          mostFailedChecks: z.array(
            z.object({
              checkId: z.string(),
              title: z.string(),
              failing: z.number(),
            }),
          ),
          trend: z.array(
            z.object({ week: z.string(), averageScore: z.number().nullable() }),
          ),
        }),
    },
    action: async ({ input, credentials }) => {
      let ref;
      try {
        ref = parseEntityRef(input.team, {
          defaultKind: 'group',
          defaultNamespace: 'default',
        });
      } catch (error) {
        throw new InputError(`Invalid team: ${(error as Error).message}`);
      }
      if (ref.kind.toLocaleLowerCase('en-US') !== 'group')
        throw new InputError('team must be a Group');
      const group = await deps.catalog.getEntityByRef(ref, { credentials });
      if (!group)
        throw new NotFoundError(
          `No group ${stringifyEntityRef(ref)} in the catalog`,
        );
      const team = stringifyEntityRef(group);
      const s = await deps.compliance.summary({ team });
      return {
        output: {
          team,
          services: s.current.services,
          averageScore: s.current.averageScore,
          levels: s.current.levels,
          worstServices: s.worstOffenders.map(w => ({
            entityRef: w.entityRef,
            score: w.score,
            level: w.level,
            failing: w.failing,
          })),
          mostFailedChecks: s.checks
            .filter(c => c.counts.fail > 0)
            .map(c => ({
              checkId: c.checkId,
              title: c.title,
              failing: c.counts.fail,
            })),
          trend: s.trend.map(t => ({
            week: t.week,
            averageScore: t.averageScore,
          })),
        },
      };
    },
  });
}
