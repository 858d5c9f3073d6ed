import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { NotFoundError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { Redactor } from '@portolan/portolan-node';
import { readAssistantConfig } from './config/readAssistantConfig';
import { ConversationStore } from './database/ConversationStore';
import { createAssistantRouter } from './router';
import { AssistantTools } from './services/AssistantTools';
import { BriefService } from './services/BriefService';
import { ChatService } from './services/ChatService';
import { ProposalService } from './services/ProposalService';
import { RateLimiter } from './services/RateLimiter';

/** The assistant: answers from the portal's read-only actions, with the asking user's permissions. */
export const assistantPlugin = createBackendPlugin({
  pluginId: 'assistant',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        auditor: coreServices.auditor,
        actions: actionsServiceRef,
        catalog: catalogServiceRef,
      },
      async init(d) {
        const settings = readAssistantConfig(d.config);
        const now = () => Date.now();
        // The logs plugin's patterns (built in and configured): the same
        // secrets are masked before anything reaches the model or the store.
        const redactor = new Redactor(
          (
            d.config.getOptionalStringArray('logs.redaction.patterns') ?? []
          ).map(p => new RegExp(p, 'g')),
        );
        const store = await ConversationStore.create({ database: d.database });
        // Actions listed once a minute per user; each call 10 s at most.
        const tools = new AssistantTools(d.actions, 10_000, 60_000);
        const brief = new BriefService(tools, redactor, now);
        const proposals = ProposalService.create({
          store,
          invokeAction: async (id, input, credentials) => {
            const tool = (await tools.list(credentials)).find(t => t.id === id);
            if (!tool)
              throw new NotFoundError(`The ${id} action is not available`);
            return tools.invoke(tool, input, credentials);
          },
          catalog: d.catalog,
          permissions: d.permissions,
          auth: d.auth,
          discovery: d.discovery,
          auditor: d.auditor,
          ttlMs: settings.proposalTtlMs,
          now,
        });
        const chat = new ChatService({
          store,
          tools,
          brief,
          proposals,
          redactor,
          logger: d.logger,
          model: settings.model,
          limits: {
            maxPromptTokens: settings.maxPromptTokens,
            maxToolRounds: 4,
            historyTokens: 1200,
            toolOutputTokens: 900,
          },
          now,
        });
        if (!settings.model)
          d.logger.info(
            'No assistant.openai configured: the assistant offers the offline brief only',
          );
        await d.scheduler.scheduleTask({
          id: 'assistant-retention',
          frequency: { hours: 6 },
          timeout: { minutes: 5 },
          initialDelay: { minutes: 1 },
          fn: async () => {
            const n = await store.deleteOlderThan(
              now() - settings.retentionDays * 24 * 3600_000,
            );
            if (n) d.logger.info(`Deleted ${n} expired conversations`);
          },
        });
        d.httpRouter.use(
          createAssistantRouter({
            httpAuth: d.httpAuth,
            store,
            chat,
            brief,
            proposals,
            limiter: new RateLimiter(settings.messagesPerMinute, now),
            logger: d.logger,
            maxInputChars: settings.maxInputChars,
          }),
        );
      },
    });
  },
});
