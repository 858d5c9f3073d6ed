import { AuthService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CatalogService,
  locationSpecToMetadataName,
} from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { z as zod } from 'zod';
import { ServiceAccess } from '../access/ServiceAccess';
import { GitRemoteConfig } from '../gitRemote';
import { checkedString, entityRefString, parseInput } from '../inputs';
import { serviceNameProblems } from '../names';

const inputSchema = zod.object({
  catalogInfoUrl: zod.string().url(),
  service: checkedString(serviceNameProblems),
  owner: entityRefString,
  system: entityRefString.optional(),
});

const lowerRef = (
  ref: string,
  defaultKind: string,
  defaultNamespace = 'default',
) =>
  stringifyEntityRef(
    parseEntityRef(ref, { defaultKind, defaultNamespace }),
  ).toLocaleLowerCase('en-US');

/**
 * `portolan:catalog:register`: registers a new service's catalog-info.yaml.
 * Registering locations is for admins (the policy), so the person running
 * the template is checked here instead — they own the new service (see
 * ServiceAccess) — and the location is added with the module's own
 * credentials, after the catalog's dry run shows the file holds exactly
 * that service: one Component, with the name, owner and system that were
 * checked, read from the Portolan Git server. No Groups, Users, Templates
 * or other teams' services come in this way.
 */
export function createCatalogRegisterAction(deps: {
  catalog: CatalogService;
  auth: AuthService;
  access: ServiceAccess;
  git?: GitRemoteConfig;
}) {
  return createTemplateAction({
    id: 'portolan:catalog:register',
    description:
      "Registers a new service's catalog-info.yaml from the Portolan Git server, for its owners",
    supportsDryRun: true,
    schema: {
      input: {
        catalogInfoUrl: z =>
          z
            .string()
            .describe('URL of catalog-info.yaml on the Portolan Git server'),
        service: z => z.string().describe('The service it must describe'),
        owner: z =>
          z
            .string()
            .describe(
              'Its owning group (the person running the template must be a member, or an admin)',
            ),
        system: z => z.string().optional().describe('Its system'),
      },
      output: {
        entityRef: z => z.string(),
        catalogInfoUrl: z => z.string(),
      },
    },
    async handler(ctx) {
      const input = parseInput(
        'portolan:catalog:register',
        inputSchema,
        ctx.input,
      );
      const { catalogInfoUrl, service } = input;
      const problems: string[] = [];
      if (!deps.git) {
        problems.push(
          "Input 'catalogInfoUrl': portolan.git.url is not configured, so no catalog-info.yaml can be trusted",
        );
      } else if (
        new URL(catalogInfoUrl).origin !== new URL(deps.git.url).origin ||
        !catalogInfoUrl.endsWith('/catalog-info.yaml')
      ) {
        problems.push(
          `Input 'catalogInfoUrl': '${catalogInfoUrl}' is not a catalog-info.yaml on ${
            new URL(deps.git.url).origin
          }`,
        );
      }
      const access = await deps.access.check(
        { service, expect: 'new', owner: input.owner, system: input.system },
        await ctx.getInitiatorCredentials(),
      );
      ServiceAccess.assert(
        { denied: access.denied, problems: [...problems, ...access.problems] },
        `Not registering ${catalogInfoUrl}`,
      );

      ctx.output('entityRef', access.service.entityRef);
      ctx.output('catalogInfoUrl', catalogInfoUrl);
      if (ctx.isDryRun) {
        // Nothing was pushed in a dry run, so there is no file to preview yet.
        ctx.logger.info(
          `Dry run: would register ${catalogInfoUrl} (${access.service.entityRef})`,
        );
        return;
      }
      const own = { credentials: await deps.auth.getOwnServiceCredentials() };
      const location = { type: 'url', target: catalogInfoUrl };
      const preview = await deps.catalog.addLocation(
        { ...location, dryRun: true },
        own,
      );
      const expected = {
        entityRef: access.service.entityRef,
        owner: access.service.owner,
        system: access.service.system,
      };
      // The dry run lists the Location entity the catalog wraps the file in,
      // then what the file holds.
      const wrapper = locationSpecToMetadataName(location);
      const entities = (preview.entities ?? []).filter(
        e => !(e.kind === 'Location' && e.metadata.name === wrapper),
      );
      const wrong = entities.flatMap(e => {
        const ref = stringifyEntityRef(e).toLocaleLowerCase('en-US');
        if (ref !== expected.entityRef)
          return [`${ref} is not ${expected.entityRef}`];
        const owner =
          typeof e.spec?.owner === 'string'
            ? lowerRef(e.spec.owner, 'group', e.metadata.namespace)
            : undefined;
        const system =
          typeof e.spec?.system === 'string'
            ? lowerRef(e.spec.system, 'system', e.metadata.namespace)
            : undefined;
        return [
          ...(owner !== expected.owner
            ? [`its owner is ${owner ?? 'missing'}, not ${expected.owner}`]
            : []),
          ...(system !==
          (expected.system
            ? expected.system.toLocaleLowerCase('en-US')
            : undefined)
            ? [
                `its system is ${system ?? 'missing'}, not ${
                  expected.system ?? 'none'
                }`,
              ]
            : []),
        ];
      });
      if (entities.length !== 1)
        wrong.unshift(
          `it holds ${entities.length} entities, not just ${expected.entityRef}`,
        );
      ServiceAccess.assert(
        { denied: [], problems: wrong.map(w => `catalog-info.yaml: ${w}`) },
        `Not registering ${catalogInfoUrl}`,
      );

      await deps.catalog.addLocation(location, own);
      ctx.logger.info(
        `created: catalog location ${catalogInfoUrl} (${access.service.entityRef})`,
      );
    },
  });
}
