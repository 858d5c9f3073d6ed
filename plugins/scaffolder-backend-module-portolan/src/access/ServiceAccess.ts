import {
  AuthService,
  BackstageCredentials,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { OnboardingConfig } from '../onboardingConfig';
import {
  namespaceProblems,
  projectProblems,
  serviceNameProblems,
} from '../names';
import { serviceUpdatePermission } from '../permissions';

/** What a Git onboarding step is about to do to a service. */
export interface ServiceRequest {
  /** The service's name: `component:default/<service>`. */
  service: string;
  /** `new`: must not be in the catalog yet; `existing`: must be; `either` (default): whichever it is. */
  expect?: 'new' | 'existing' | 'either';
  /** The owning group a new service gets (ignored for an existing one: its own owner counts). */
  owner?: string;
  /** The system a new service joins: its Argo CD project, and its namespace. */
  system?: string;
  /** Environments it will deploy to (protected ones need the owning group or an admin). */
  environments?: string[];
  /** Whether it deploys: then it needs a usable Argo CD project. */
  deploys?: boolean;
}

/** Where a service lives, from its catalog entity or, for a new one, from what it will say. */
export interface ServiceFacts {
  entityRef: string;
  isNew: boolean;
  /** Full, lower-case ref of the owning group. */
  owner?: string;
  /** Full ref of its system. */
  system?: string;
  /** `backstage.io/kubernetes-namespace`, else its name; a new service takes its system's name. */
  namespace: string;
  /** Its system's name. */
  project?: string;
}

export interface AccessCheck {
  service: ServiceFacts;
  /** Why this user may not do it, naming who may. */
  denied: string[];
  /** Why nobody could (bad input, missing catalog entries). */
  problems: string[];
}

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');

/**
 * Answers "may the person who started this task do this to this service?"
 * for every Git onboarding action, with the initiator's credentials:
 * - an existing service: the `portolan.service.update` permission on its
 *   entity (the policy allows its owning group and the admin groups);
 * - a new service: the user is a member of the owner group they chose (or
 *   an admin), and may update the system it joins, since that system's
 *   namespace and Argo CD project are its owner's;
 * - protected environments (`portolan.onboarding.protectedEnvironments`):
 *   only members of the owning group or an admin, whatever else the policy allows.
 * Catalog facts (does it exist, who owns it) are read with the module's own
 * credentials, so what a user may see cannot change what the check finds.
 */
export class ServiceAccess {
  static create(deps: {
    catalog: CatalogService;
    auth: AuthService;
    permissions: PermissionsService;
    userInfo: UserInfoService;
    config: OnboardingConfig;
  }): ServiceAccess {
    return new ServiceAccess(deps);
  }

  private constructor(
    private readonly deps: {
      catalog: CatalogService;
      auth: AuthService;
      permissions: PermissionsService;
      userInfo: UserInfoService;
      config: OnboardingConfig;
    },
  ) {}

  get onboardingConfig(): OnboardingConfig {
    return this.deps.config;
  }

  /** Checks a request; nothing is thrown for a refusal, it is listed. */
  async check(
    request: ServiceRequest,
    credentials: BackstageCredentials,
  ): Promise<AccessCheck> {
    const { catalog, auth, config } = this.deps;
    const denied: string[] = [];
    const problems: string[] = [];
    const name = request.service;
    const entityRef = stringifyEntityRef({
      kind: 'component',
      namespace: 'default',
      name,
    });
    const facts: ServiceFacts = { entityRef, isNew: true, namespace: name };
    const nameProblems = serviceNameProblems(name);
    if (nameProblems.length) {
      return {
        service: facts,
        denied,
        problems: nameProblems.map(p => `Name: ${p}`),
      };
    }
    const ownership = await this.ownership(credentials);
    if (!ownership) {
      denied.push(
        'Access: Git onboarding acts for a signed-in user; this task was not started by one',
      );
      return { service: facts, denied, problems };
    }
    const own = { credentials: await auth.getOwnServiceCredentials() };
    const existing = await catalog.getEntityByRef(entityRef, own);
    const expect = request.expect ?? 'either';
    if (!existing && expect === 'existing') {
      return {
        service: facts,
        denied,
        problems: [`Name: ${entityRef} is not in the catalog`],
      };
    }
    // A name that is taken where a new service was expected: still check
    // the rest as for a new service, so one answer lists every problem.
    if (existing && expect === 'new')
      problems.push(`Name: ${entityRef} is already in the catalog`);

    const found =
      existing && expect !== 'new'
        ? await this.checkExisting(existing, facts, credentials)
        : await this.checkNew(request, facts, ownership, credentials);
    denied.push(...found.denied);
    problems.push(...found.problems);
    const { owner, system } = found;
    facts.owner = owner;
    facts.system = system;
    facts.project = system ? parseEntityRef(system).name : undefined;
    if (request.deploys) {
      if (!facts.project) {
        problems.push(
          `System: ${entityRef} is part of no system, so it has no Argo CD project`,
        );
      } else {
        for (const p of projectProblems(facts.project))
          problems.push(`System: unusable as an Argo CD project: ${p}`);
      }
    }
    const isOwnerMember = owner !== undefined && ownership.refs.has(owner);
    for (const environment of new Set(request.environments ?? [])) {
      if (
        config.protectedEnvironments.has(environment) &&
        !ownership.admin &&
        !isOwnerMember
      ) {
        denied.push(
          `Access: ${environment} is a protected environment: only members of ${
            owner ?? 'the owning group'
          } or an admin group may deploy there`,
        );
      }
    }
    return { service: facts, denied, problems };
  }

  /** An existing service: the policy decides, on its entity; its namespace must be usable. */
  private async checkExisting(
    existing: Entity,
    facts: ServiceFacts,
    credentials: BackstageCredentials,
  ) {
    const denied: string[] = [];
    const problems: string[] = [];
    const { entityRef } = facts;
    const owner = refOrUndefined(
      existing.spec?.owner,
      'group',
      existing.metadata.namespace,
    );
    const system = refOrUndefined(
      existing.spec?.system,
      'system',
      existing.metadata.namespace,
    );
    facts.isNew = false;
    facts.namespace =
      existing.metadata.annotations?.['backstage.io/kubernetes-namespace'] ??
      existing.metadata.name;
    for (const p of namespaceProblems(facts.namespace)) {
      problems.push(
        `Name: ${entityRef} has an unusable backstage.io/kubernetes-namespace: ${p}`,
      );
    }
    if (!(await this.mayUpdate(entityRef, credentials))) {
      denied.push(
        `Access: you may not change ${entityRef}; members of ${
          owner ?? 'its owning group'
        } or an admin group may`,
      );
    }
    return { owner, system, denied, problems };
  }

  /**
   * A new service: the user is in the owner group they chose (or an admin)
   * and may update the system it joins; its namespace is the system's.
   */
  private async checkNew(
    request: ServiceRequest,
    facts: ServiceFacts,
    ownership: { refs: ReadonlySet<string>; admin: boolean },
    credentials: BackstageCredentials,
  ) {
    const denied: string[] = [];
    const problems: string[] = [];
    const own = {
      credentials: await this.deps.auth.getOwnServiceCredentials(),
    };
    const owner =
      request.owner === undefined
        ? undefined
        : refOrUndefined(request.owner, 'group', 'default');
    const system =
      request.system === undefined
        ? undefined
        : refOrUndefined(request.system, 'system', 'default');
    const lookups: Array<Promise<void>> = [];
    if (request.owner === undefined)
      problems.push('Owner: a new service needs an owning group');
    else if (!owner)
      problems.push(`Owner: '${request.owner}' is not an entity reference`);
    else {
      lookups.push(
        this.deps.catalog.getEntityByRef(owner, own).then(group => {
          if (!group || lower(group.kind) !== 'group')
            problems.push(
              `Owner: '${request.owner}' is not a group in the catalog`,
            );
        }),
      );
      if (!ownership.admin && !ownership.refs.has(owner))
        denied.push(
          `Access: you are not a member of ${owner}, the owner you chose`,
        );
    }
    if (request.system !== undefined && !system)
      problems.push(`System: '${request.system}' is not an entity reference`);
    else if (system) {
      lookups.push(
        this.deps.catalog.getEntityByRef(system, own).then(async found => {
          if (!found || lower(found.kind) !== 'system') {
            problems.push(`System: '${request.system}' is not in the catalog`);
          } else if (!(await this.mayUpdate(system, credentials))) {
            const systemOwner =
              refOrUndefined(
                found.spec?.owner,
                'group',
                found.metadata.namespace,
              ) ?? 'its owner';
            denied.push(
              `Access: you may not add services to ${system}: its namespace and Argo CD project belong to ${systemOwner}`,
            );
          }
        }),
      );
    }
    await Promise.all(lookups);
    facts.namespace = system ? parseEntityRef(system).name : facts.namespace;
    for (const p of namespaceProblems(facts.namespace))
      problems.push(`System: its namespace is unusable: ${p}`);
    return { owner, system, denied, problems };
  }

  /** `portolan.service.update` on an entity, as the policy (and the catalog, for its conditions) decides. */
  private async mayUpdate(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: serviceUpdatePermission, resourceRef: entityRef }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /**
   * A repository named like a service in the catalog is that service's:
   * pushing to it needs the right to change that service.
   */
  async checkRepository(
    repo: string,
    checked: ServiceFacts,
    credentials: BackstageCredentials,
  ): Promise<string[]> {
    const ref = stringifyEntityRef({
      kind: 'component',
      namespace: 'default',
      name: repo,
    });
    if (ref === checked.entityRef && !checked.isNew) return [];
    const own = {
      credentials: await this.deps.auth.getOwnServiceCredentials(),
    };
    const claimed = await this.deps.catalog.getEntityByRef(ref, own);
    if (!claimed) return [];
    if (await this.mayUpdate(ref, credentials)) return [];
    const owner = refOrUndefined(
      claimed.spec?.owner,
      'group',
      claimed.metadata.namespace,
    );
    return [
      `Access: repository '${repo}' is ${ref}'s, which you may not change; members of ${
        owner ?? 'its owning group'
      } or an admin group may`,
    ];
  }

  /** Throws what a check found: NotAllowedError when the user may not, InputError when nobody could. */
  static assert(
    check: { denied: string[]; problems: string[] },
    what: string,
  ): void {
    const all = [...check.denied, ...check.problems];
    if (!all.length) return;
    const message = `${what}; nothing was changed:\n- ${all.join('\n- ')}`;
    if (check.denied.length) throw new NotAllowedError(message);
    throw new InputError(message);
  }

  /** The user's ownership refs and whether they are an admin; undefined for a non-user. */
  private async ownership(credentials: BackstageCredentials) {
    if (!this.deps.auth.isPrincipal(credentials, 'user')) return undefined;
    const info = await this.deps.userInfo.getUserInfo(credentials);
    const refs = new Set(info.ownershipEntityRefs.map(lower));
    return {
      refs,
      admin: [...this.deps.config.adminGroups].some(g => refs.has(g)),
    };
  }
}

/** A full, lower-case entity ref, or undefined when it is not one. */
function refOrUndefined(
  value: unknown,
  defaultKind: string,
  defaultNamespace = 'default',
): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  try {
    return lower(
      stringifyEntityRef(
        parseEntityRef(value, { defaultKind, defaultNamespace }),
      ),
    );
  } catch {
    return undefined;
  }
}
