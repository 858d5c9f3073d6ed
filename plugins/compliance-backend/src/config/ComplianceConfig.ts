import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { CHECKS, CheckDefinition } from '@portolan/plugin-compliance-common';

/** A check as configured: whether it runs, its threshold, where it applies. */
export interface ConfiguredCheck {
  definition: CheckDefinition;
  threshold?: number;
  /** Lifecycles it applies to; undefined: all. */
  lifecycles?: string[];
}

export interface ComplianceSettings {
  checks: ConfiguredCheck[];
  /** Best first. */
  levels: Array<{ name: string; minScore: number }>;
  allowedRegistries: string[];
  prodEnvironment: string;
  waiverMaxDays: number;
  /**
   * Groups whose members approve or reject waivers (entity refs), from
   * `compliance.waivers.approverGroups`; default the admin groups
   * (`portolan.permissions.adminGroups`).
   */
  waiverApproverGroups: string[];
  timeoutMs: number;
}

/** The approver groups: each a Group ref, at least one when the key is set. */
function readApproverGroups(config: Config): string[] {
  const key = 'compliance.waivers.approverGroups';
  const configured = config.getOptionalStringArray(key);
  if (configured === undefined) {
    return (
      config.getOptionalStringArray('portolan.permissions.adminGroups') ?? []
    ).flatMap(ref => {
      try {
        return [
          stringifyEntityRef(parseEntityRef(ref, { defaultKind: 'group' })),
        ];
      } catch {
        return [];
      }
    });
  }
  if (configured.length === 0) {
    throw invalid(
      key,
      'must name at least one group (group:<namespace>/<name>)',
    );
  }
  return configured.map((ref, i) => {
    let parsed;
    try {
      parsed = parseEntityRef(ref, { defaultKind: 'group' });
    } catch (error) {
      throw invalid(`${key}[${i}]`, (error as Error).message);
    }
    if (parsed.kind.toLocaleLowerCase('en-US') !== 'group') {
      throw invalid(`${key}[${i}]`, `'${ref}' is not a Group reference`);
    }
    return stringifyEntityRef(parsed);
  });
}

const DEFAULT_LEVELS = [
  { name: 'Gold', minScore: 90 },
  { name: 'Silver', minScore: 75 },
  { name: 'Bronze', minScore: 50 },
];

/** Level name for services below every configured level. */
export const NO_LEVEL = 'None';

function invalid(key: string, why: string): Error {
  return new Error(`Invalid config value at '${key}': ${why}`);
}

/**
 * Reads `compliance`: an unknown check id, a threshold out of the check's
 * range or levels out of order stop start-up with an error naming the key.
 */
export function readComplianceConfig(config: Config): ComplianceSettings {
  const root = config.getOptionalConfig('compliance');
  const checksConfig = root?.getOptionalConfig('checks');
  const known = new Map(CHECKS.map(c => [c.id, c]));
  // Check ids are `<group>.<name>`, so config nests them: checks.kubernetes.prod-replicas.
  for (const group of checksConfig?.keys() ?? []) {
    for (const name of checksConfig!.getConfig(group).keys()) {
      const id = `${group}.${name}`;
      if (!known.has(id)) {
        throw invalid(
          `compliance.checks.${id}`,
          `unknown check '${id}'; known checks: ${[...known.keys()].join(
            ', ',
          )}`,
        );
      }
    }
  }
  const checks: ConfiguredCheck[] = [];
  for (const definition of CHECKS) {
    const c = checksConfig?.getOptionalConfig(definition.id);
    const at = `compliance.checks.${definition.id}`;
    if (c?.getOptionalBoolean('enabled') === false) continue;
    let threshold = definition.threshold?.default;
    if (c?.has('threshold')) {
      if (!definition.threshold) {
        throw invalid(
          `${at}.threshold`,
          `check '${definition.id}' has no threshold`,
        );
      }
      const value = c.getOptional('threshold');
      const { min, max, description } = definition.threshold;
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        value < min ||
        value > max
      ) {
        throw invalid(
          `${at}.threshold`,
          `must be a number from ${min} to ${max} (${description}), got ${JSON.stringify(
            value,
          )}`,
        );
      }
      threshold = value;
    }
    const lifecycles = c?.getOptionalStringArray('lifecycles');
    if (lifecycles && lifecycles.length === 0) {
      throw invalid(
        `${at}.lifecycles`,
        'must name at least one lifecycle (or set enabled: false)',
      );
    }
    checks.push({ definition, threshold, lifecycles });
  }

  const levels = root?.has('levels')
    ? root.getConfigArray('levels').map((l, i) => {
        const name = l.getString('name');
        const minScore = l.getNumber('minScore');
        if (!(minScore >= 0 && minScore <= 100)) {
          throw invalid(
            `compliance.levels[${i}].minScore`,
            'must be from 0 to 100',
          );
        }
        return { name, minScore };
      })
    : DEFAULT_LEVELS;
  levels.forEach((l, i) => {
    if (i > 0 && l.minScore >= levels[i - 1].minScore) {
      throw invalid(
        `compliance.levels[${i}].minScore`,
        'levels must be listed best first, with strictly decreasing minScore',
      );
    }
  });

  const maxDays = root?.getOptionalNumber('waivers.maxDays') ?? 90;
  if (!(Number.isInteger(maxDays) && maxDays >= 1 && maxDays <= 730)) {
    throw invalid(
      'compliance.waivers.maxDays',
      'must be a whole number of days from 1 to 730',
    );
  }
  const timeoutMs = root?.getOptionalNumber('timeoutMs') ?? 10_000;
  if (!(timeoutMs >= 100 && timeoutMs <= 120_000)) {
    throw invalid('compliance.timeoutMs', 'must be from 100 to 120000');
  }
  return {
    checks,
    levels,
    allowedRegistries: root?.getOptionalStringArray('allowedRegistries') ?? [],
    prodEnvironment: root?.getOptionalString('prodEnvironment') ?? 'prod',
    waiverMaxDays: maxDays,
    waiverApproverGroups: readApproverGroups(config),
    timeoutMs,
  };
}

/** The level a score reaches. */
export function levelOf(
  score: number | null,
  levels: ComplianceSettings['levels'],
): string {
  if (score === null) return NO_LEVEL;
  return levels.find(l => score >= l.minScore)?.name ?? NO_LEVEL;
}
