import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { PermissionsService } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { ConfigReader } from '@backstage/config';
import { readComplianceConfig } from './config/ComplianceConfig';
import { ComplianceStore } from './database/ComplianceStore';
import { NOW, SERVICE, facts, stats } from './__testUtils__/facts';
import { createComplianceRouter } from './router';
import { ComplianceEvaluator } from './services/ComplianceEvaluator';
import { ComplianceService } from './services/ComplianceService';
import { WaiverService } from './services/WaiverService';

jest.setTimeout(60_000);

const DAY = 86_400_000;
const OWNER = 'user:default/barbara';
const OTHER = 'user:default/grace';
const APPROVER = 'user:default/margaret';

/** Owners may request for their service; only the approver approves. */
const permissions: PermissionsService = {
  async authorize(requests, options) {
    const user = (options.credentials.principal as any).userEntityRef;
    return requests.map((r: any) => {
      if (r.permission.name === 'compliance.waiver.request') {
        const owns = user === OWNER && r.resourceRef === SERVICE;
        return { result: owns ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
      }
      // Approving is open in the policy; the approver groups decide.
      return { result: AuthorizeResult.ALLOW };
    }) as any;
  },
  async authorizeConditional() {
    throw new Error('not used');
  },
};

/** The owner is an approver too: approving one's own waiver must still fail. */
const approverUserInfo = {
  async getUserInfo(credentials: any) {
    const user = credentials.principal.userEntityRef;
    const groups: Record<string, string[]> = {
      [OWNER]: [
        'group:default/team-payments',
        'group:default/compliance-approvers',
      ],
      [APPROVER]: ['group:default/compliance-approvers'],
      [OTHER]: ['group:default/team-payments', 'group:default/portolan-admins'],
    };
    return {
      userEntityRef: user,
      ownershipEntityRefs: [user, ...(groups[user] ?? [])],
    };
  },
};

describe('compliance API', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'evaluates, waives and exports evidence on %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const database = mockServices.database({
        knex,
        migrations: { skip: false },
      });
      const store = await ComplianceStore.create({ database });
      const settings = readComplianceConfig(
        new ConfigReader({
          compliance: {
            allowedRegistries: ['registry.example'],
            waivers: {
              maxDays: 30,
              approverGroups: ['group:default/compliance-approvers'],
            },
          },
        }),
      );
      let now = NOW;
      const clock = () => now;
      let current = [facts()];
      const compliance = ComplianceService.create({
        store,
        settings,
        now: clock,
      });
      const auditor = mockServices.auditor.mock();
      const waivers = WaiverService.create({
        store,
        compliance,
        permissions,
        auditor,
        userInfo: approverUserInfo,
        maxDays: 30,
        approverGroups: settings.waiverApproverGroups,
        now: clock,
      });
      const evaluator = ComplianceEvaluator.create({
        collector: {
          collect: async () => ({
            services: current,
            stats: stats(),
          }),
        },
        store,
        service: compliance,
        settings,
        logger: mockServices.logger.mock(),
        now: clock,
      });
      const app = express();
      app.use(
        createComplianceRouter({
          compliance,
          waivers,
          catalog: catalogServiceMock({
            entities: [
              {
                apiVersion: 'backstage.io/v1alpha1',
                kind: 'Component',
                metadata: { name: 'payment-gateway', namespace: 'default' },
                spec: { type: 'service', owner: 'team-payments' },
              },
            ],
          }),
          httpAuth: mockServices.httpAuth({
            defaultCredentials: mockCredentials.none(),
          }),
          waiverMaxDays: 30,
          waiverApproverGroups: settings.waiverApproverGroups,
        }),
      );
      app.use(
        MiddlewareFactory.create({
          config: mockServices.rootConfig(),
          logger: mockServices.logger.mock(),
        }).error(),
      );
      const as = (user: string) => ({
        Authorization: mockCredentials.user.header(user),
      });

      // A week ago: evaluated once (history), then now.
      now = NOW - 7 * DAY;
      await evaluator.run();
      now = NOW;
      const summary = await evaluator.run();
      expect(summary.services).toBe(1);

      expect(
        (await request(app).get('/entities/component/default/payment-gateway'))
          .status,
      ).toBe(401);
      const entity = await request(app)
        .get('/entities/component/default/payment-gateway')
        .set(as(OTHER));
      expect(entity.status).toBe(200);
      const runbook = entity.body.checks.find(
        (c: any) => c.checkId === 'catalog.runbook',
      );
      expect(runbook).toMatchObject({
        status: 'fail',
        reason: 'No runbook is linked',
        evidence: [
          { source: 'catalog', fact: expect.stringContaining('no runbook') },
        ],
        fix: expect.stringContaining('runbook'),
      });
      expect(entity.body.counts).toMatchObject({
        fail: 1,
        waived: 0,
        unknown: 0,
      });
      expect(entity.body.history.map((h: any) => h.week)).toEqual([
        '2026-03-02',
        '2026-03-09',
      ]);
      const teamBefore = await request(app)
        .get('/teams/default/team-payments')
        .set(as(OTHER));
      expect(teamBefore.body.current.checks['catalog.runbook']).toMatchObject({
        fail: 1,
        waived: 0,
      });
      expect(teamBefore.body.trend).toHaveLength(2);
      expect(teamBefore.body.worstOffenders[0]).toMatchObject({
        entityRef: SERVICE,
        failing: ['catalog.runbook'],
      });

      const post = (user: string, body: object) =>
        request(app)
          .post('/entities/component/default/payment-gateway/waivers')
          .set(as(user))
          .send(body);
      const valid = {
        checkId: 'catalog.runbook',
        reason: 'Runbook moves to the new wiki',
        expiresAt: new Date(NOW + 10 * DAY).toISOString(),
      };
      const bad = [
        [{ ...valid, reason: '  ' }, /reason.*needs a reason/],
        [{ checkId: valid.checkId, expiresAt: valid.expiresAt }, /reason/],
        [
          { ...valid, expiresAt: new Date(NOW - DAY).toISOString() },
          /expiresAt.*past/,
        ],
        [
          { ...valid, expiresAt: new Date(NOW + 31 * DAY).toISOString() },
          /expiresAt.*at most 30 days/,
        ],
        [{ ...valid, checkId: 'catalog.system' }, /catalog.system passes/],
        [{ ...valid, checkId: 'no.such-check' }, /unknown check/],
      ] as const;
      for (const [body, message] of bad) {
        const res = await post(OWNER, body);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(message);
      }
      expect(await store.waivers()).toEqual([]);
      expect((await post(OTHER, valid)).status).toBe(403);

      const created = await post(OWNER, valid);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        status: 'pending',
        requestedBy: OWNER,
      });
      const id = created.body.id;
      expect((await post(OWNER, valid)).status).toBe(409);

      const own = await request(app)
        .post(`/waivers/${id}/approve`)
        .set(as(OWNER))
        .send({});
      expect(own.status).toBe(400);
      expect(own.body.error.message).toMatch(/your own waiver/);
      expect(
        (
          await request(app)
            .post(`/waivers/${id}/approve`)
            .set(as(OTHER))
            .send({})
        ).status,
      ).toBe(403);
      expect((await store.waiver(id))?.status).toBe('pending');

      const approved = await request(app)
        .post(`/waivers/${id}/approve`)
        .set(as(APPROVER))
        .send({ comment: 'ok' });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        status: 'approved',
        decidedBy: APPROVER,
      });
      expect(auditor.createEvent).toHaveBeenCalledWith(
        expect.objectContaining({ eventId: 'waiver-approve' }),
      );

      const after = await request(app)
        .get('/entities/component/default/payment-gateway')
        .set(as(OTHER));
      expect(
        after.body.checks.find((c: any) => c.checkId === 'catalog.runbook'),
      ).toMatchObject({
        status: 'waived',
        waiver: { id, expiresAt: valid.expiresAt },
      });
      expect(after.body.counts).toMatchObject({ fail: 0, waived: 1 });
      expect(after.body.score).toBe(100);
      const teamAfter = await request(app)
        .get('/teams/default/team-payments')
        .set(as(OTHER));
      expect(teamAfter.body.current.checks['catalog.runbook']).toMatchObject({
        fail: 0,
        waived: 1,
      });
      expect(
        teamAfter.body.trend.at(-1).checks['catalog.runbook'],
      ).toMatchObject({ waived: 1 });

      const json = await request(app).get('/evidence').set(as(OTHER));
      expect(json.status).toBe(200);
      const row = json.body.controls
        .flatMap((c: any) => c.results)
        .find((r: any) => r.checkId === 'catalog.runbook');
      expect(row.waivers).toEqual([
        expect.objectContaining({
          id,
          status: 'approved',
          decidedBy: APPROVER,
        }),
      ]);
      const csv = await request(app).get('/evidence?format=csv').set(as(OTHER));
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      expect(csv.text).toContain(`approved waiver ${id}`);
      expect(
        (await request(app).get('/evidence?from=yesterday').set(as(OTHER)))
          .status,
      ).toBe(400);

      // The waiver expires by itself.
      now = NOW + 11 * DAY;
      await evaluator.run();
      const expired = await request(app)
        .get('/entities/component/default/payment-gateway')
        .set(as(OTHER));
      expect(
        expired.body.checks.find((c: any) => c.checkId === 'catalog.runbook')
          .status,
      ).toBe('fail');

      // Kubernetes down: its checks are unknown with the reason, not failed.
      current = [
        facts({
          workloads: {
            ok: false,
            reason: 'Cluster prod-eu gave no answer within 10 s (deployments)',
          },
        }),
      ];
      await evaluator.run();
      const down = await request(app)
        .get('/entities/component/default/payment-gateway')
        .set(as(OTHER));
      const probes = down.body.checks.find(
        (c: any) => c.checkId === 'kubernetes.probes',
      );
      expect(probes).toMatchObject({
        status: 'unknown',
        reason: expect.stringContaining('prod-eu gave no answer'),
      });
      expect(down.body.counts.unknown).toBe(6);
      await knex.destroy();
    },
  );
});
