import { CheckResult, Evidence } from '@portolan/plugin-compliance-common';
import {
  ComplianceSettings,
  ConfiguredCheck,
} from '../config/ComplianceConfig';
import {
  RepositoryFacts,
  isCiFile,
  isCodeownersFile,
} from '../facts/RepositoryFilesReader';
import { ServiceFacts, SourceFacts } from '../facts/ServiceFacts';

const DAY = 86_400_000;
const DEFAULT_BRANCHES = new Set(['main', 'master', 'HEAD', '']);

type Outcome = Omit<CheckResult, 'checkId'>;
type Evaluate = (
  facts: ServiceFacts,
  check: ConfiguredCheck,
  ctx: { settings: ComplianceSettings; now: number },
) => Outcome;

const pass = (reason: string, evidence: Evidence[]): Outcome => ({
  status: 'pass',
  reason,
  evidence,
});
const fail = (reason: string, evidence: Evidence[]): Outcome => ({
  status: 'fail',
  reason,
  evidence,
});

/** A check over one source's facts: `unknown` with the source's reason when it could not be read. */
function from<T>(
  source: (f: ServiceFacts) => SourceFacts<T>,
  evaluate: (
    value: T,
    facts: ServiceFacts,
    check: ConfiguredCheck,
    ctx: { settings: ComplianceSettings; now: number },
  ) => Outcome,
): Evaluate {
  return (facts, check, ctx) => {
    const s = source(facts);
    if (!s.ok) return { status: 'unknown', reason: s.reason, evidence: [] };
    return evaluate(s.value, facts, check, ctx);
  };
}

function hasLink(
  facts: ServiceFacts,
  kind: RegExp,
): { url: string } | undefined {
  return facts.links.find(
    l => kind.test(l.type ?? '') || kind.test(l.title ?? ''),
  );
}

const catalogEvidence = (fact: string): Evidence[] => [
  { source: 'catalog', fact },
];

const prodOf = <T extends { environment?: string }>(
  items: T[],
  ctx: { settings: ComplianceSettings },
) => items.filter(i => i.environment === ctx.settings.prodEnvironment);

function imageTag(image: string): string | undefined {
  if (image.includes('@')) return image.split('@')[1];
  const last = image.split('/').pop() ?? '';
  return last.includes(':') ? last.split(':').pop() : undefined;
}

function registryAllowed(image: string, allowed: string[]): boolean {
  return allowed.some(
    prefix =>
      image === prefix ||
      image.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
  );
}

const workloadEvidence = (
  w: { cluster: string; kind: string; namespace: string; name: string },
  fact: string,
): Evidence => ({
  source: `kubernetes:${w.cluster}`,
  fact: `${w.kind} ${w.namespace}/${w.name}: ${fact}`,
});

/**
 * A check over the service's repository: `fail` when it names none (nothing
 * to audit), `unknown` with the reason when it could not be read.
 */
function fromRepository(
  what: string,
  matches: (path: string) => boolean,
): Evaluate {
  return f => {
    if (!f.repository) {
      return fail(
        f.sourceLocation
          ? `Its source location ${f.sourceLocation} is not a repository URL, so no ${what} can be found`
          : `It names no repository, so no ${what} can be found`,
        catalogEvidence(
          `metadata.annotations['backstage.io/source-location'] is ${
            f.sourceLocation ?? 'not set'
          }`,
        ),
      );
    }
    if (!f.repository.ok) {
      return { status: 'unknown', reason: f.repository.reason, evidence: [] };
    }
    const repo: RepositoryFacts = f.repository.value;
    const found = repo.files.filter(matches);
    const source = `git:${repo.url}`;
    const at = repo.etag ? ` at ${repo.etag.slice(0, 12)}` : '';
    return found.length
      ? pass(
          `${
            found.length > 1 ? `${found.length} files` : found[0]
          } in its repository`,
          found.slice(0, 5).map(file => ({ source, fact: `${file}${at}` })),
        )
      : fail(`Its repository has no ${what}`, [
          { source, fact: `no ${what} in the tree${at}` },
        ]);
  };
}

const EVALUATORS: Record<string, Evaluate> = {
  'git.ci-workflow': fromRepository('CI workflow', isCiFile),
  'git.codeowners': fromRepository('CODEOWNERS file', isCodeownersFile),

  'catalog.owner-group': f =>
    f.owner && f.ownerIsGroup
      ? pass(
          `Owned by ${f.owner}`,
          catalogEvidence(`spec.owner is ${f.owner}, a Group in the catalog`),
        )
      : fail(
          f.owner
            ? `Its owner ${f.owner} is not a Group in the catalog`
            : 'It has no owner',
          catalogEvidence(`spec.owner is ${f.owner ?? 'not set'}`),
        ),
  'catalog.system': f =>
    f.system
      ? pass(
          `Part of ${f.system}`,
          catalogEvidence(`spec.system is ${f.system}`),
        )
      : fail(
          'It belongs to no system',
          catalogEvidence('spec.system is not set'),
        ),
  'catalog.description': f =>
    f.description?.trim()
      ? pass(
          'It has a description',
          catalogEvidence(
            `metadata.description: "${f.description.slice(0, 120)}"`,
          ),
        )
      : fail(
          'It has no description',
          catalogEvidence('metadata.description is empty'),
        ),
  'catalog.runbook': f => {
    const link = hasLink(f, /runbook/i);
    return link
      ? pass('A runbook is linked', catalogEvidence(`runbook link ${link.url}`))
      : fail(
          'No runbook is linked',
          catalogEvidence(
            `metadata.links has no runbook (${f.links.length} links)`,
          ),
        );
  },
  'catalog.oncall': f => {
    const link = hasLink(f, /on-?call|pager/i);
    return link
      ? pass(
          'An on-call rota is linked',
          catalogEvidence(`on-call link ${link.url}`),
        )
      : fail(
          'No on-call link',
          catalogEvidence(
            `metadata.links has no on-call link (${f.links.length} links)`,
          ),
        );
  },
  'catalog.lifecycle': f =>
    f.lifecycle
      ? pass(
          `Lifecycle ${f.lifecycle}`,
          catalogEvidence(`spec.lifecycle is ${f.lifecycle}`),
        )
      : fail('No lifecycle', catalogEvidence('spec.lifecycle is not set')),

  'argocd.app-per-environment': from(
    f => f.argocd,
    (apps, f) => {
      const have = new Set(apps.map(a => a.environment));
      const missing = f.environments.filter(e => !have.has(e));
      const evidence = apps.map(a => ({
        source: `argocd:${a.instance}`,
        fact: `app ${a.name} deploys to ${a.cluster ?? 'an unknown cluster'} (${
          a.environment ?? '?'
        })`,
      }));
      if (!f.environments.length) {
        return fail(
          'It names no environment (no dependsOn cluster)',
          catalogEvidence('no kubernetes-cluster in dependsOn'),
        );
      }
      return missing.length
        ? fail(`No Argo CD app for ${missing.join(', ')}`, evidence)
        : pass(`An app in each of ${f.environments.join(', ')}`, evidence);
    },
  ),
  'argocd.prod-auto-sync': from(
    f => f.argocd,
    (apps, _f, _c, ctx) => {
      const prod = prodOf(apps, ctx);
      if (!prod.length) return fail('No prod Argo CD app', []);
      const bad = prod.filter(a => !a.automated || !a.selfHeal);
      const evidence = prod.map(a => ({
        source: `argocd:${a.instance}`,
        fact: `app ${a.name}: automated sync ${
          a.automated ? 'on' : 'off'
        }, self-heal ${a.selfHeal ? 'on' : 'off'}`,
      }));
      return bad.length
        ? fail(
            `${bad.map(a => a.name).join(', ')} ${
              bad.length > 1 ? 'do' : 'does'
            } not sync automatically with self-heal`,
            evidence,
          )
        : pass('Prod syncs automatically with self-heal', evidence);
    },
  ),
  'argocd.prod-default-branch': from(
    f => f.argocd,
    (apps, _f, _c, ctx) => {
      const prod = prodOf(apps, ctx);
      if (!prod.length) return fail('No prod Argo CD app', []);
      const bad = prod.filter(
        a => !DEFAULT_BRANCHES.has(a.targetRevision ?? ''),
      );
      const evidence = prod.map(a => ({
        source: `argocd:${a.instance}`,
        fact: `app ${a.name} tracks ${a.targetRevision || 'HEAD'}`,
      }));
      return bad.length
        ? fail(
            `Prod tracks ${bad
              .map(a => a.targetRevision)
              .join(', ')}, not the default branch`,
            evidence,
          )
        : pass('Prod tracks the default branch', evidence);
    },
  ),

  'kubernetes.resources': from(
    f => f.workloads,
    workloads => {
      if (!workloads.length)
        return fail('No workload found in any cluster', []);
      const bad = workloads.flatMap(w =>
        w.containers
          .filter(
            c =>
              !(
                c.requests.includes('cpu') &&
                c.requests.includes('memory') &&
                c.limits.length
              ),
          )
          .map(c =>
            workloadEvidence(
              w,
              `container ${c.name} requests [${c.requests.join(
                ', ',
              )}], limits [${c.limits.join(', ')}]`,
            ),
          ),
      );
      return bad.length
        ? fail(
            `${bad.length} container${
              bad.length > 1 ? 's lack' : ' lacks'
            } requests or limits`,
            bad.slice(0, 10),
          )
        : pass(
            `Requests and limits on all containers of ${workloads.length} workloads`,
            workloads
              .slice(0, 3)
              .map(w => workloadEvidence(w, 'requests and limits set')),
          );
    },
  ),
  'kubernetes.no-latest-tag': from(
    f => f.workloads,
    workloads => {
      if (!workloads.length)
        return fail('No workload found in any cluster', []);
      const bad = workloads.flatMap(w =>
        w.containers
          .filter(
            c => c.image && ['latest', undefined].includes(imageTag(c.image)),
          )
          .map(c => workloadEvidence(w, `container ${c.name} runs ${c.image}`)),
      );
      return bad.length
        ? fail(
            `${bad.length} container${
              bad.length > 1 ? 's run' : ' runs'
            } a :latest (or untagged) image`,
            bad.slice(0, 10),
          )
        : pass(
            'Every image has a fixed tag or digest',
            workloads
              .slice(0, 3)
              .flatMap(w =>
                w.containers.map(c => workloadEvidence(w, `image ${c.image}`)),
              ),
          );
    },
  ),
  'kubernetes.allowed-registries': from(
    f => f.workloads,
    (workloads, _f, _c, ctx) => {
      if (!workloads.length)
        return fail('No workload found in any cluster', []);
      const allowed = ctx.settings.allowedRegistries;
      const bad = workloads.flatMap(w =>
        w.containers
          .filter(c => c.image && !registryAllowed(c.image, allowed))
          .map(c =>
            workloadEvidence(w, `container ${c.name} pulls ${c.image}`),
          ),
      );
      return bad.length
        ? fail(
            `${bad.length} image${
              bad.length > 1 ? 's come' : ' comes'
            } from registries not allowed (allowed: ${
              allowed.join(', ') || 'none configured'
            })`,
            bad.slice(0, 10),
          )
        : pass(`Every image comes from ${allowed.join(', ')}`, []);
    },
  ),
  'kubernetes.prod-replicas': from(
    f => f.workloads,
    (workloads, _f, check, ctx) => {
      const min = check.threshold ?? 2;
      const prod = prodOf(workloads, ctx);
      if (!prod.length) return fail('No workload in prod', []);
      const evidence = prod.map(w =>
        workloadEvidence(
          w,
          `${w.replicas} replica${w.replicas === 1 ? '' : 's'}`,
        ),
      );
      const bad = prod.filter(w => w.replicas < min);
      return bad.length
        ? fail(
            `${bad
              .map(w => `${w.name} in ${w.cluster} runs ${w.replicas}`)
              .join(', ')} replica(s) in prod; at least ${min} needed`,
            evidence,
          )
        : pass(`At least ${min} replicas in prod`, evidence);
    },
  ),
  'kubernetes.probes': from(
    f => f.workloads,
    workloads => {
      if (!workloads.length)
        return fail('No workload found in any cluster', []);
      const bad = workloads.flatMap(w =>
        w.containers
          .filter(c => !c.liveness || !c.readiness)
          .map(c =>
            workloadEvidence(
              w,
              `container ${c.name} has no ${[
                !c.liveness && 'liveness',
                !c.readiness && 'readiness',
              ]
                .filter(Boolean)
                .join(' or ')} probe`,
            ),
          ),
      );
      return bad.length
        ? fail(
            `${bad.length} container${
              bad.length > 1 ? 's miss' : ' misses'
            } a liveness or readiness probe`,
            bad.slice(0, 10),
          )
        : pass('Liveness and readiness probes on every container', []);
    },
  ),
  'kubernetes.prod-canary': from(
    f => f.workloads,
    (workloads, _f, _c, ctx) => {
      const prod = prodOf(workloads, ctx);
      if (!prod.length) return fail('No workload in prod', []);
      const evidence = prod.map(w =>
        workloadEvidence(
          w,
          w.kind === 'Rollout'
            ? `canary ${w.canary ? 'yes' : 'no'}, analysis ${
                w.analysis ? 'yes' : 'no'
              }`
            : 'a plain Deployment',
        ),
      );
      const bad = prod.filter(
        w => !(w.kind === 'Rollout' && w.canary && w.analysis),
      );
      return bad.length
        ? fail('Prod is not rolled out by a canary with an analysis', evidence)
        : pass('Prod rolls out by canary with analysis', evidence);
    },
  ),

  'delivery.change-failure-rate': from(
    f => f.deliveries,
    (deploys, _f, check, ctx) => {
      const since = ctx.now - 30 * DAY;
      const recent = deploys.filter(
        d => Date.parse(d.startedAt) >= since && d.result !== 'in-progress',
      );
      const changes = recent.filter(d => d.result !== 'rolled-back');
      const failures = changes.filter(
        d => d.result === 'failed' || d.result === 'canary-aborted',
      );
      const max = check.threshold ?? 30;
      const evidence: Evidence[] = [
        {
          source: 'delivery',
          fact: `${failures.length} of ${changes.length} prod deploys in the last 30 days failed or were aborted`,
        },
      ];
      if (!changes.length)
        return pass('No prod change in the last 30 days', evidence);
      const rate = Math.round((failures.length / changes.length) * 1000) / 10;
      return rate <= max
        ? pass(`Change failure rate ${rate} % (at most ${max} %)`, evidence)
        : fail(`Change failure rate ${rate} % is above ${max} %`, evidence);
    },
  ),
  'delivery.recently-deployed': from(
    f => f.deliveries,
    (deploys, _f, check, ctx) => {
      const days = check.threshold ?? 90;
      const latest = deploys
        .map(d => Date.parse(d.startedAt))
        .sort((a, b) => b - a)[0];
      if (latest === undefined || latest < ctx.now - days * DAY) {
        return fail(`No prod deploy in the last ${days} days`, [
          {
            source: 'delivery',
            fact: latest
              ? `last prod deploy ${new Date(latest).toISOString()}`
              : 'no prod deploy in the history read',
          },
        ]);
      }
      return pass(
        `Last prod deploy ${new Date(latest).toISOString().slice(0, 10)}`,
        [
          {
            source: 'delivery',
            fact: `last prod deploy ${new Date(latest).toISOString()}`,
          },
        ],
      );
    },
  ),
  'delivery.no-unrestored-failure': from(
    f => f.deliveries,
    deploys => {
      const finished = deploys
        .filter(d => d.result !== 'in-progress')
        .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
      const last = finished[0];
      if (
        last &&
        (last.result === 'failed' || last.result === 'canary-aborted')
      ) {
        return fail(
          `The last prod deploy (${last.revision.slice(0, 7)}, ${
            last.startedAt
          }) ${
            last.result === 'failed' ? 'failed' : 'had its canary aborted'
          } and nothing restored it since`,
          [
            {
              source: 'delivery',
              fact: `${last.app} ${last.revision.slice(0, 7)} ${
                last.result
              } at ${last.startedAt}`,
            },
          ],
        );
      }
      return pass(
        last
          ? `The last prod deploy ${last.result}`
          : 'No prod deploy to restore',
        last
          ? [
              {
                source: 'delivery',
                fact: `${last.app} ${last.revision.slice(0, 7)} ${
                  last.result
                } at ${last.startedAt}`,
              },
            ]
          : [],
      );
    },
  ),
};

/** The checks that apply to a service (by its lifecycle), evaluated on its facts. */
export function evaluateChecks(
  facts: ServiceFacts,
  settings: ComplianceSettings,
  now: number,
): CheckResult[] {
  const inProd = facts.environments.includes(settings.prodEnvironment);
  return settings.checks
    .filter(
      c =>
        (!c.lifecycles ||
          (facts.lifecycle !== undefined &&
            c.lifecycles.includes(facts.lifecycle))) &&
        (!c.definition.prodOnly || inProd),
    )
    .map(check => {
      const evaluate = EVALUATORS[check.definition.id];
      const outcome: Outcome = evaluate
        ? evaluate(facts, check, { settings, now })
        : {
            status: 'unknown',
            reason: `No evaluator for ${check.definition.id}`,
            evidence: [],
          };
      return { checkId: check.definition.id, ...outcome };
    });
}
