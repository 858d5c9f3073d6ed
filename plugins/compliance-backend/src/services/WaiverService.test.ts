import {
  TestDatabaseId,
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { PermissionsService } from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Request } from 'express';
import { readComplianceConfig } from '../config/ComplianceConfig';
import { ComplianceStore } from '../database/ComplianceStore';
import { NOW, SERVICE, facts, stats } from '../__testUtils__/facts';
import { ComplianceEvaluator } from './ComplianceEvaluator';
import { ComplianceService } from './ComplianceService';
import { WaiverService } from './WaiverService';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const OWNER = 'user:default/barbara';
const APPROVER = 'user:default/margaret';
const ADMIN_ONLY = 'user:default/grace';
const APPROVERS = 'group:default/security';
const req = {} as Request;

const groups: Record<string, string[]> = {
  // The owner is in the approver group too: still not for their own waiver.
  [OWNER]: ['group:default/team-payments', APPROVERS],
  [APPROVER]: [APPROVERS],
  // An admin, but not in the configured approver group.
  [ADMIN_ONLY]: ['group:default/portolan-admins'],
};
const userInfo = {
  async getUserInfo(credentials: any) {
    const user = credentials.principal.userEntityRef;
    return {
      userEntityRef: user,
      ownershipEntityRefs: [user, ...(groups[user] ?? [])],
    };
  },
};
/** The policy: owners request; approving is open (the groups decide). */
const permissions: PermissionsService = {
  async authorize(requests, options) {
    const user = (options.credentials.principal as any).userEntityRef;
    return requests.map((r: any) => ({
      result:
        r.permission.name !== 'compliance.waiver.request' || user === OWNER
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
    })) as any;
  },
  async authorizeConditional() {
    throw new Error('not used');
  },
};

describe('WaiverService', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function setUp(databaseId: TestDatabaseId) {
    const knex = await databases.init(databaseId);
    const store = await ComplianceStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    const settings = readComplianceConfig(
      mockServices.rootConfig({
        data: {
          compliance: { waivers: { maxDays: 30, approverGroups: [APPROVERS] } },
          portolan: {
            permissions: { adminGroups: ['group:default/portolan-admins'] },
          },
        },
      }),
    );
    const now = NOW;
    const compliance = ComplianceService.create({
      store,
      settings,
      now: () => now,
    });
    await ComplianceEvaluator.create({
      collector: {
        collect: async () => ({ services: [facts()], stats: stats() }),
      },
      store,
      service: compliance,
      settings,
      logger: mockServices.logger.mock(),
      now: () => now,
    }).run();
    const auditor = mockServices.auditor.mock();
    const waivers = WaiverService.create({
      store,
      compliance,
      permissions,
      auditor,
      userInfo,
      maxDays: settings.waiverMaxDays,
      approverGroups: settings.waiverApproverGroups,
      now: () => now,
    });
    return { knex, store, waivers, auditor };
  }
  const as = (user: string) => mockCredentials.user(user);
  const valid = {
    entityRef: SERVICE,
    checkId: 'catalog.runbook',
    reason: 'The runbook moves to the new wiki this sprint',
    expiresAt: new Date(NOW + 10 * DAY),
  };

  it.each(databases.eachSupportedId())(
    'refuses bad requests with a 400 naming the problem and stores nothing, on %p',
    async databaseId => {
      const { knex, store, waivers, auditor } = await setUp(databaseId);
      const cases: Array<[object, RegExp]> = [
        [{ reason: '   ' }, /'reason': a waiver needs a reason/],
        [
          { expiresAt: new Date(NOW - 1000) },
          /'expiresAt': the expiry is in the past/,
        ],
        [
          { expiresAt: new Date(NOW + 31 * DAY) },
          /'expiresAt': a waiver may run at most 30 days/,
        ],
        [
          { checkId: 'catalog.system' },
          /'checkId': catalog.system passes .*only a failing check/,
        ],
        [{ checkId: 'catalog.colour' }, /unknown check 'catalog.colour'/],
      ];
      for (const [change, message] of cases) {
        const attempt = waivers.request(
          { ...valid, ...change },
          as(OWNER),
          req,
        );
        await expect(attempt).rejects.toMatchObject({
          name: 'InputError',
          message: expect.stringMatching(message),
        });
      }
      await expect(
        waivers.request(valid, as(APPROVER), req),
      ).rejects.toMatchObject({ name: 'NotAllowedError' });
      expect(await store.waivers()).toEqual([]);
      // Every refusal is audited as a failure.
      const events = auditor.createEvent.mock.results;
      expect(events).toHaveLength(cases.length + 1);
      for (const e of events) {
        expect((await e.value).fail).toHaveBeenCalled();
      }
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'lets only another member of the approver groups decide, on %p',
    async databaseId => {
      const { knex, store, waivers } = await setUp(databaseId);
      const waiver = await waivers.request(valid, as(OWNER), req);
      expect(waiver).toMatchObject({ status: 'pending', requestedBy: OWNER });

      // Approving one's own: 400, even for an approver.
      await expect(
        waivers.decide(waiver.id, { approve: true }, as(OWNER), req),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(/your own waiver/),
      });
      // An admin outside the configured approver group: not allowed.
      await expect(
        waivers.decide(waiver.id, { approve: true }, as(ADMIN_ONLY), req),
      ).rejects.toMatchObject({
        name: 'NotAllowedError',
        message: expect.stringContaining('group:default/security'),
      });
      expect((await store.waiver(waiver.id))?.status).toBe('pending');

      const approved = await waivers.decide(
        waiver.id,
        { approve: true, comment: 'fine' },
        as(APPROVER),
        req,
      );
      expect(approved).toMatchObject({
        status: 'approved',
        decidedBy: APPROVER,
        comment: 'fine',
      });
      await expect(
        waivers.decide(waiver.id, { approve: false }, as(APPROVER), req),
      ).rejects.toMatchObject({ name: 'ConflictError' });

      // A check that passes cannot be waived: refused, nothing more stored.
      await expect(
        waivers.request(
          { ...valid, checkId: 'git.ci-workflow' },
          as(OWNER),
          req,
        ),
      ).rejects.toMatchObject({ name: 'InputError' });
      expect(await store.waivers()).toHaveLength(1);
      await knex.destroy();
    },
  );
});
