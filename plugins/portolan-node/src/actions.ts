import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import type { ActionsRegistryActionOptions } from '@backstage/backend-plugin-api/alpha';

/**
 * The zod an action's schema functions receive: the registry's own copy
 * (zod/v3 of its zod), whose types differ from this repository's zod.
 */
export type ActionZod = Parameters<
  ActionsRegistryActionOptions<any, any>['schema']['input']
>[0];

declare const registryZod: ActionZod;
/**
 * A schema of the registry's zod that parses to `T`. Exported schema
 * functions are annotated with it: the registry's zod is a copy nested in
 * node_modules, which the compiler cannot name in their declarations.
 */
export type ActionSchema<T> = ReturnType<typeof registryZod.custom<T>>;

/** What a schema function's schema parses to. */
export type SchemaOutput<F extends (z: ActionZod) => { _output: unknown }> =
  ReturnType<F>['_output'];

/**
 * The `entityRef` input of Portolan's read-only actions: a full reference or
 * a bare service name, as a model is likely to write it.
 */
export const entityRefInput = (z: ActionZod): ActionSchema<string> =>
  z
    .string()
    .min(1)
    .max(300)
    .describe(
      'The service, as an entity reference like "component:default/checkout-service", or just its name "checkout-service" (kind defaults to component, namespace to default).',
    );

/** An environment name input of an action, like `prod`. */
export const environmentInput = (z: ActionZod): ActionSchema<string> =>
  z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, 'must be an environment name, like prod');

/** An ISO 8601 date-time input of an action. */
export const isoDateTimeInput = (z: ActionZod): ActionSchema<string> =>
  z
    .string()
    .max(40)
    .refine(
      (v: string) =>
        /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)),
      'must be an ISO 8601 date-time, like 2026-11-02T12:00:00Z',
    );

/** Parses an action's entity reference (kind component, namespace default unless given). */
export function parseEntityRefInput(value: string): CompoundEntityRef {
  try {
    const ref = parseEntityRef(value.trim(), {
      defaultKind: 'component',
      defaultNamespace: 'default',
    });
    const part = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
    if (![ref.kind, ref.namespace, ref.name].every(p => part.test(p)))
      throw new Error('bad part');
    return ref;
  } catch {
    throw new InputError(
      `Invalid input 'entityRef': "${value.slice(
        0,
        100,
      )}" is not an entity reference, like component:default/checkout-service`,
    );
  }
}

/**
 * The entity an action is about, read with the caller's credentials: an
 * entity the caller may not see is "not found", as in the catalog.
 */
export async function entityForAction(
  catalog: CatalogService,
  entityRef: string,
  credentials: BackstageCredentials,
): Promise<Entity> {
  const ref = parseEntityRefInput(entityRef);
  const entity = await catalog.getEntityByRef(ref, { credentials });
  if (!entity)
    throw new NotFoundError(
      `No entity ${stringifyEntityRef(ref)} in the catalog`,
    );
  return entity;
}

/** Links into the portal's pages, for answers that cite their source. */
export class PortalLinks {
  static fromConfig(config: Config): PortalLinks {
    return new PortalLinks(config.getOptionalString('app.baseUrl') ?? '');
  }

  constructor(private readonly appBaseUrl: string) {}

  /** A tab of an entity's page, e.g. `deployments`, with optional query parameters. */
  entityTab(
    entity: CompoundEntityRef | string,
    tab: string,
    query?: Record<string, string | string[] | undefined>,
  ): string {
    const ref = typeof entity === 'string' ? parseEntityRef(entity) : entity;
    const path = [ref.namespace, ref.kind.toLocaleLowerCase('en-US'), ref.name]
      .map(encodeURIComponent)
      .join('/');
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      for (const v of ([] as Array<string | undefined>).concat(value))
        if (v !== undefined && v !== '') params.append(key, v);
    }
    const search = params.size ? `?${params}` : '';
    return `${this.appBaseUrl.replace(
      /\/+$/,
      '',
    )}/catalog/${path}/${tab}${search}`;
  }
}

/** At most `max` characters of a text, marked when cut. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
