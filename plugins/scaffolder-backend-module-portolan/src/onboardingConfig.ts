import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { z } from 'zod';
import { environmentName } from './inputs';

/** The permission policy's admin groups; Git onboarding reads the same key. */
export const ADMIN_GROUPS_CONFIG_KEY = 'portolan.permissions.adminGroups';
export const PROTECTED_ENVIRONMENTS_CONFIG_KEY =
  'portolan.onboarding.protectedEnvironments';
export const SYNC_POLICY_CONFIG_KEY = 'portolan.onboarding.syncPolicy';

/** Sync policy of the Argo CD apps Git onboarding creates in one environment. */
export interface EnvironmentSyncPolicy {
  automated: boolean;
  prune: boolean;
  selfHeal: boolean;
}

export interface OnboardingConfig {
  /** Full, lower-case group refs. */
  adminGroups: ReadonlySet<string>;
  protectedEnvironments: ReadonlySet<string>;
  syncPolicy(environment: string): EnvironmentSyncPolicy;
}

const syncPolicySchema = z
  .object({
    automated: z.boolean(),
    prune: z.boolean().default(false),
    selfHeal: z.boolean().default(false),
  })
  .strict();

/** A group entity ref in its full, lower-case form (`group:default/name`). */
export function normalizeGroupRef(
  ref: string,
  defaultNamespace = 'default',
): string {
  const parsed = parseEntityRef(ref, {
    defaultKind: 'group',
    defaultNamespace,
  });
  if (parsed.kind.toLocaleLowerCase('en-US') !== 'group')
    throw new Error(`kind must be Group, got ${parsed.kind}`);
  return stringifyEntityRef(parsed).toLocaleLowerCase('en-US');
}

function invalid(key: string, value: unknown, why: string): Error {
  return new Error(
    `Invalid config value at '${key}': ${JSON.stringify(value)} ${why}`,
  );
}

/**
 * `portolan.onboarding` and the admin groups. Protected environments
 * (default `[prod]`) take only the owning group or an admin; the sync
 * policy of new apps comes from here per environment — automated with
 * prune and self-heal, except in protected environments, which sync by hand —
 * never from template values.
 */
export function readOnboardingConfig(config: Config): OnboardingConfig {
  const adminGroups = (
    config.getOptionalStringArray(ADMIN_GROUPS_CONFIG_KEY) ?? []
  ).map((ref, index) => {
    try {
      return normalizeGroupRef(ref);
    } catch (error) {
      throw invalid(
        `${ADMIN_GROUPS_CONFIG_KEY}[${index}]`,
        ref,
        `is not a group reference (${(error as Error).message})`,
      );
    }
  });
  const protectedEnvironments = config.getOptionalStringArray(
    PROTECTED_ENVIRONMENTS_CONFIG_KEY,
  ) ?? ['prod'];
  protectedEnvironments.forEach((env, index) => {
    const result = environmentName.safeParse(env);
    if (!result.success)
      throw invalid(
        `${PROTECTED_ENVIRONMENTS_CONFIG_KEY}[${index}]`,
        env,
        result.error.issues[0].message,
      );
  });
  const configured = new Map<string, EnvironmentSyncPolicy>();
  const policies = config.getOptionalConfig(SYNC_POLICY_CONFIG_KEY);
  for (const env of policies?.keys() ?? []) {
    const key = `${SYNC_POLICY_CONFIG_KEY}.${env}`;
    const name = environmentName.safeParse(env);
    if (!name.success)
      throw invalid(
        SYNC_POLICY_CONFIG_KEY,
        env,
        `is not an environment name (${name.error.issues[0].message})`,
      );
    const parsed = syncPolicySchema.safeParse(policies!.get(env));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(
        `${key}${issue.path.length ? `.${issue.path.join('.')}` : ''}`,
        policies!.get(env),
        issue.message,
      );
    }
    configured.set(env, parsed.data);
  }
  const protectedSet = new Set(protectedEnvironments);
  return {
    adminGroups: new Set(adminGroups),
    protectedEnvironments: protectedSet,
    syncPolicy: environment =>
      configured.get(environment) ??
      (protectedSet.has(environment)
        ? { automated: false, prune: false, selfHeal: false }
        : { automated: true, prune: true, selfHeal: true }),
  };
}
