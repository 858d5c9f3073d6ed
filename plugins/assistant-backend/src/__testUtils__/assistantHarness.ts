import {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import type {
  ActionsService,
  ActionsServiceAction,
} from '@backstage/backend-plugin-api/alpha';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { JsonObject } from '@backstage/types';
import type { ServiceCostActionOutput } from '@portolan/plugin-finops-common';
import type { ErrorBurstsActionOutput } from '@portolan/plugin-logs-common';
import { Redactor } from '@portolan/portolan-node';
import { OpenAiStandIn, SANDBOX_OPENAI_API_KEY } from '@portolan/sandbox';
import express from 'express';
import knexFactory from 'knex';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ConversationStore } from '../database/ConversationStore';
import { AssistantTools } from '../services/AssistantTools';
import { BriefService } from '../services/BriefService';
import { ChatService } from '../services/ChatService';
import { ProposalService } from '../services/ProposalService';

export const OWNER = 'user:default/alice';
export const OTHER = 'user:default/bob';
export const SERVICE = 'component:default/checkout';
/** Another team's service: the asking users may not read its logs or costs. */
export const HIDDEN_SERVICE = 'component:default/payments';
export const HIDDEN_MARKER = 'PAYMENTS-CONFIDENTIAL-7731';
/** Secrets planted in tool output; none may reach the model, an answer or the store. */
export const SECRETS = [
  'hunter2-swordfish',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA',
  'AKIAIOSFODNN7EXAMPLE',
  'sk_live_51Hx8secretkey',
];
export const NOW = Date.parse('2026-11-20T14:30:00Z');

/** The catalog's templates as the harness's users see them. */
export const TEMPLATES: Entity[] = [
  {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: {
      name: 'add-environment',
      namespace: 'default',
      title: 'Add an environment to a service',
    },
    spec: {
      owner: 'group:default/team-platform',
      type: 'service',
      parameters: [
        {
          title: 'Service and environment',
          required: ['service', 'environment'],
          properties: {
            service: {
              title: 'Service',
              type: 'string',
              'ui:field': 'EntityPicker',
            },
            environment: {
              title: 'Environment',
              type: 'string',
              enum: ['dev', 'staging', 'prod'],
            },
          },
        },
      ],
      steps: [],
    },
  },
];

const obj = (properties: Record<string, object>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const entityOnly = obj({ entityRef: { type: 'string' } }, ['entityRef']);

export interface Planted {
  commitMessage?: string;
  logLine?: string;
  rolloutMessage?: string;
  burstNote?: string;
  checkReason?: string;
}

/** Read-only actions like the portal's, with data a test plants; permissions by user. */
export class FakeActions implements ActionsService {
  invocations: Array<{ id: string; input?: JsonObject; user: string }> = [];
  writes = 0;
  planted: Planted = {};
  deployments = 3;
  logLines = 5;
  rolloutPhase = 'Degraded';
  imageSignedStatus: 'pass' | 'fail' | 'waived' = 'fail';
  delayMs = 0;
  /** Whether the logs action matched a deploy to the burst. */
  burstDeploy = true;

  private readonly defs: Array<
    ActionsServiceAction & {
      run: (input: any, user: string) => unknown;
    }
  > = [
    this.def(
      'delivery:get-deployments',
      obj(
        {
          entityRef: { type: 'string' },
          environment: { type: 'string' },
          limit: { type: 'integer', minimum: 1, maximum: 100 },
        },
        ['entityRef'],
      ),
      input => ({
        entityRef: input.entityRef,
        deploymentsTabUrl: `/catalog/default/component/checkout/deployments`,
        deployments: Array.from({ length: this.deployments }, (_, i) => ({
          environment: 'prod',
          revision: `a1b2c3d${i}`.padEnd(40, '0'),
          startedAt: new Date(NOW - (i + 1) * 3600_000).toISOString(),
          result: i === 0 ? 'canary-aborted' : 'succeeded',
          commit: {
            message:
              i === 0
                ? `Switch payment retries ${this.planted.commitMessage ?? ''}`
                : `change ${i}`,
            author: 'dev@example.com',
          },
          argoCdUrl: `https://argocd.example/applications/checkout-prod?rev=${i}`,
        })),
      }),
    ),
    this.def('delivery:get-rollouts', entityOnly, input => ({
      entityRef: input.entityRef,
      canaryTabUrl: '/catalog/default/component/checkout/canary',
      canControl: false,
      rollouts: [
        {
          cluster: 'prod-eu',
          environment: 'prod',
          namespace: 'checkout',
          name: 'checkout',
          resourceVersion: '1234',
          phase: this.rolloutPhase,
          message: `analysis failed ${this.planted.rolloutMessage ?? ''}`,
          step: 'step 2 of 5 (20%)',
          availableActions:
            this.rolloutPhase === 'Degraded'
              ? ['abort', 'retry', 'promote']
              : ['pause', 'abort', 'promote'],
          latestAnalysis: {
            phase: 'Failed',
            analysisUrl: '/catalog/default/component/checkout/canary#analysis',
          },
        },
      ],
      errors: [],
    })),
    this.def(
      'logs:search',
      obj(
        {
          entityRef: { type: 'string' },
          query: { type: 'string' },
          level: { type: 'string', enum: ['error', 'warn', 'info', 'debug'] },
          limit: { type: 'integer', minimum: 1, maximum: 200 },
        },
        ['entityRef'],
      ),
      (input, user) => {
        if (input.entityRef.includes('payments'))
          throw new NotAllowedError(
            `${user} may not read the logs of payments`,
          );
        return {
          searchUrl: `/catalog/default/component/checkout/logs?level=error`,
          lines: Array.from({ length: this.logLines }, (_, i) => ({
            timestamp: new Date(NOW - i * 1000).toISOString(),
            level: 'error',
            message:
              i === 0
                ? `payment failed password=${
                    SECRETS[0]
                  } Authorization: Bearer ${SECRETS[1]} ${
                    this.planted.logLine ?? ''
                  }`
                : `timeout calling payments #${i} aws key ${SECRETS[2]} api_key=${SECRETS[3]}`,
          })),
        };
      },
    ),
    this.def(
      'logs:error-bursts',
      obj(
        {
          entityRef: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
        },
        ['entityRef'],
      ),
      input => {
        if (input.entityRef.includes('payments'))
          throw new NotAllowedError('may not read the logs of payments');
        const burstStart = NOW - 3600_000 + 600_000;
        const output: ErrorBurstsActionOutput = {
          entityRef: input.entityRef,
          from: new Date(NOW - 86_400_000).toISOString(),
          to: new Date(NOW).toISOString(),
          intervalMs: 60_000,
          totalErrors: 530,
          baselinePerBucket: 1,
          bursts: [
            {
              start: new Date(burstStart).toISOString(),
              end: new Date(burstStart + 900_000).toISOString(),
              count: 412,
              peakPerBucket: 60,
              sampleMessages: [
                `payment timeout ${this.planted.burstNote ?? ''}`.trim(),
              ],
              nearestDeploy: this.burstDeploy
                ? {
                    environment: 'prod',
                    revision: 'a1b2c3d0'.padEnd(40, '0'),
                    startedAt: new Date(NOW - 3600_000).toISOString(),
                    result: 'canary-aborted',
                    minutesBeforeBurst: 10,
                  }
                : undefined,
              logsUrl: '/catalog/default/component/checkout/logs?from=burst',
            },
          ],
        };
        return output;
      },
    ),
    this.def('finops:get-service-cost', entityOnly, input => {
      if (input.entityRef.includes('payments'))
        throw new NotAllowedError('may not read the costs of payments');
      const output: ServiceCostActionOutput = {
        entityRef: input.entityRef,
        currency: 'EUR',
        asOfDay: '2026-11-19',
        freshness: 'ok',
        last30Days: {
          total: 930,
          previous: 620,
          changePercent: 50,
          byEnvironment: { prod: 700, staging: 230 },
        },
        monthToDate: {
          month: '2026-11',
          total: 600,
          days: 19,
          daysInMonth: 30,
        },
        costJumps: [
          {
            environment: 'prod',
            day: '2026-11-12',
            revision: 'f00dfeed'.padEnd(40, '0'),
            before: 20,
            after: 31,
            changePercent: 55,
            message: 'Double the replicas',
          },
        ],
        costJumpThresholdPercent: 20,
        costsTabUrl: '/catalog/default/component/checkout/costs',
      };
      return output;
    }),
    this.def('compliance:get-service-checks', entityOnly, input => ({
      entityRef: input.entityRef,
      level: 'bronze',
      score: 50,
      counts: { pass: 1, fail: 1, waived: 0, unknown: 0 },
      checks: [
        {
          checkId: 'owner-set',
          title: 'Has an owner',
          status: 'pass',
          reason: 'group:default/team-checkout owns it',
          fix: '',
          evidence: [],
        },
        {
          checkId: 'image-signed',
          title: 'Images are signed',
          status: this.imageSignedStatus,
          reason: `unsigned image ${this.planted.checkReason ?? ''}`,
          fix: 'Sign the image with cosign',
          evidence: [{ source: 'kubernetes:prod-eu', fact: 'no signature' }],
        },
      ],
    })),
    // Never offered: it is not read-only.
    {
      ...this.def('catalog:delete-entity', entityOnly, () => {
        this.writes++;
        return { deleted: true };
      }),
      attributes: { readOnly: false, destructive: true, idempotent: false },
    },
  ];

  private def(
    id: string,
    input: object,
    run: (input: any, user: string) => unknown,
  ) {
    const [pluginId, name] = id.split(':');
    return {
      id,
      pluginId,
      name,
      title: name,
      description: `The ${name} action.`,
      schema: { input: input as any, output: { type: 'object' } as any },
      attributes: { readOnly: true, destructive: false, idempotent: true },
      run,
    };
  }

  async list() {
    return { actions: this.defs.map(({ run, ...a }) => a) };
  }

  async invoke(opts: {
    id: string;
    input?: JsonObject;
    credentials: BackstageCredentials;
  }) {
    const user = (opts.credentials.principal as any).userEntityRef;
    this.invocations.push({ id: opts.id, input: opts.input, user });
    const def = this.defs.find(d => d.id === opts.id);
    if (!def) throw new NotFoundError(`no action ${opts.id}`);
    if (this.delayMs)
      await new Promise(r => setTimeout(r, this.delayMs).unref());
    if (
      typeof opts.input?.entityRef === 'string' &&
      opts.input.entityRef.includes('payments')
    ) {
      // Only the payments team reads payments: the data exists, others are refused.
      if (user !== 'user:default/payments-lead')
        throw new NotAllowedError(`${user} may not read payments`);
      return { output: { secretPlan: HIDDEN_MARKER } };
    }
    return { output: def.run(opts.input ?? {}, user) as any };
  }
}

/** Everything the assistant runs on, with the sandbox's stand-in model over real HTTP. */
export async function startHarness(
  options: { model?: string; baseURL?: string; timeoutMs?: number } = {},
) {
  const standIn = new OpenAiStandIn(SANDBOX_OPENAI_API_KEY, {
    now: () => NOW,
  } as any);
  const prompts: string[] = [];
  const app = express();
  app.use(express.json({ limit: '4mb' }));
  app.use((req, _res, next) => {
    if (req.method === 'POST') prompts.push(JSON.stringify(req.body));
    next();
  });
  app.use(standIn.router());
  const server = http.createServer(app);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  const store = await ConversationStore.create({
    database: { getClient: async () => knex, migrations: { skip: false } },
  });
  let now = NOW;
  const clock = () => now;
  const actions = new FakeActions();
  const tools = new AssistantTools(actions, 2000);
  const redactor = new Redactor();
  const brief = new BriefService(tools, redactor, clock);
  const permissions: PermissionsService = {
    authorize: async (requests, opts) =>
      requests.map(() => ({
        result:
          (opts.credentials.principal as any).userEntityRef === OWNER
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      })) as any,
    authorizeConditional: async () => {
      throw new Error('not used');
    },
  } as PermissionsService;
  const audits: Array<{ eventId: string; meta?: any; outcome?: string }> = [];
  const auditor: AuditorService = {
    createEvent: async ({ eventId, meta }) => {
      const e: { eventId: string; meta?: any; outcome?: string } = {
        eventId,
        meta,
      };
      audits.push(e);
      return {
        success: async () => {
          e.outcome = 'succeeded';
        },
        fail: async () => {
          e.outcome = 'failed';
        },
      };
    },
  };
  const deliveryCalls: Array<{ url: string; body: any; auth: string }> = [];
  const complianceCalls: Array<{ url: string; body: any; auth: string }> = [];
  let deliveryStatus = 200;
  const fetchImpl = (async (u: string, init: RequestInit) => {
    const json = (body: unknown, status = 200) =>
      new Response(JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json' },
      });
    if (u.includes('/compliance')) {
      if (u.endsWith('/checks')) return json({ checks: [], waiverMaxDays: 90 });
      complianceCalls.push({
        url: u,
        body: JSON.parse(String(init.body)),
        auth: (init.headers as Record<string, string>).Authorization,
      });
      return json({ id: 'w-1', status: 'pending' }, 201);
    }
    deliveryCalls.push({
      url: u,
      body: JSON.parse(String(init.body)),
      auth: (init.headers as Record<string, string>).Authorization,
    });
    return new Response(
      JSON.stringify(
        deliveryStatus === 200
          ? { rollout: { phase: 'Degraded' } }
          : { error: { name: 'ConflictError', message: 'stale' } },
      ),
      {
        status: deliveryStatus,
        headers: { 'Content-Type': 'application/json' },
      },
    );
  }) as unknown as typeof fetch;
  const proposals = ProposalService.create({
    store,
    invokeAction: async (id, input, credentials) => {
      const tool = (await tools.list(credentials)).find(t => t.id === id)!;
      return tools.invoke(tool, input, credentials);
    },
    catalog: {
      getEntityByRef: async (ref: any) => {
        const name = typeof ref === 'string' ? ref : ref.name;
        return TEMPLATES.find(t => t.metadata.name === name);
      },
    },
    permissions,
    auth: mockServices.auth(),
    discovery: mockServices.discovery(),
    auditor,
    ttlMs: 300_000,
    now: clock,
    fetchImpl,
  });
  const chat = new ChatService({
    store,
    tools,
    brief,
    proposals,
    redactor,
    logger: mockServices.logger.mock(),
    model:
      options.model === 'none'
        ? undefined
        : {
            baseURL: options.baseURL ?? url,
            apiKey: SANDBOX_OPENAI_API_KEY,
            model: options.model ?? 'portolan-sandbox',
            timeoutMs: options.timeoutMs ?? 5000,
          },
    limits: {
      maxPromptTokens: 6000,
      maxToolRounds: 4,
      historyTokens: 1200,
      toolOutputTokens: 900,
    },
    now: clock,
  });
  return {
    chat,
    store,
    actions,
    proposals,
    audits,
    deliveryCalls,
    complianceCalls,
    prompts,
    setDeliveryStatus: (s: number) => {
      deliveryStatus = s;
    },
    advance: (ms: number) => {
      now += ms;
    },
    credentials: (user: string) => mockCredentials.user(user),
    async ask(
      user: string,
      text: string,
      entityRef: string | undefined = SERVICE,
    ) {
      const events: any[] = [];
      const message = await chat.ask(
        {
          credentials: mockCredentials.user(user),
          userRef: user,
          entityRef,
          text,
        },
        e => events.push(e),
      );
      return { message, events };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
      await knex.destroy();
    },
  };
}
