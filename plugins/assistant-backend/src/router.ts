import {
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import type {
  AssistantConversation,
  AssistantInfo,
  AssistantStreamEvent,
} from '@portolan/plugin-assistant-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { ConversationStore } from './database/ConversationStore';
import { BriefService } from './services/BriefService';
import { ChatService } from './services/ChatService';
import { ProposalService } from './services/ProposalService';
import { RateLimiter } from './services/RateLimiter';

const uuid = z.string().uuid('must be a conversation id');
const entityRefParam = z
  .string()
  .max(300)
  .transform((v, ctx) => {
    try {
      const ref = parseEntityRef(v, {
        defaultKind: 'component',
        defaultNamespace: 'default',
      });
      const part = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
      if (![ref.kind, ref.namespace, ref.name].every(p => part.test(p)))
        throw new Error('bad part');
      return stringifyEntityRef(ref);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'must be an entity reference like component:default/name',
      });
      return z.NEVER;
    }
  });

function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  where: string,
): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new InputError(
      `Invalid ${where}: ${r.error.issues
        .map(i => `${i.path.join('.') || where} ${i.message}`)
        .join('; ')}`,
    );
  return r.data;
}

/** `/api/assistant`: conversations of the signed-in user, questions (streamed), the brief, approvals. */
export function createAssistantRouter(deps: {
  httpAuth: HttpAuthService;
  store: ConversationStore;
  chat: ChatService;
  brief: BriefService;
  proposals: ProposalService;
  limiter: RateLimiter;
  logger: LoggerService;
  maxInputChars: number;
}): express.Router {
  const { httpAuth, store, chat, proposals } = deps;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  const user = async (req: express.Request) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    return {
      credentials: credentials as BackstageCredentials<BackstageUserPrincipal>,
      userRef: credentials.principal.userEntityRef,
    };
  };

  router.get('/info', async (req, res) => {
    await user(req);
    const info: AssistantInfo = {
      model: chat.modelInfo,
      maxInputChars: deps.maxInputChars,
    };
    res.json(info);
  });

  router.get('/conversations', async (req, res) => {
    const { userRef } = await user(req);
    const list = await store.listConversations(userRef);
    res.json({
      conversations: list.map(c => ({
        id: c.id,
        title: c.title,
        entityRef: c.entityRef,
        createdAt: new Date(c.createdAt).toISOString(),
        updatedAt: new Date(c.updatedAt).toISOString(),
      })),
    });
  });

  router.get('/conversations/:id', async (req, res) => {
    const { userRef, credentials } = await user(req);
    const id = parse(uuid, req.params.id, 'conversation id');
    const c = await store.getConversation(id, userRef);
    if (!c) throw new NotFoundError(`No conversation ${id}`);
    const views = await Promise.all(
      (await store.listProposals(id)).map(p => proposals.view(p, credentials)),
    );
    const body: AssistantConversation = {
      id: c.id,
      title: c.title,
      entityRef: c.entityRef,
      createdAt: new Date(c.createdAt).toISOString(),
      updatedAt: new Date(c.updatedAt).toISOString(),
      messages: (await store.listMessages(id)).map(m =>
        chat.toMessage(m, views),
      ),
    };
    res.json(body);
  });

  router.delete('/conversations/:id', async (req, res) => {
    const { userRef } = await user(req);
    const id = parse(uuid, req.params.id, 'conversation id');
    if (!(await store.deleteConversation(id, userRef)))
      throw new NotFoundError(`No conversation ${id}`);
    res.status(204).end();
  });

  router.put(
    '/conversations/:id/messages/:messageId/feedback',
    async (req, res) => {
      const { userRef } = await user(req);
      const id = parse(uuid, req.params.id, 'conversation id');
      const messageId = parse(uuid, req.params.messageId, 'message id');
      const { feedback } = parse(
        z.object({ feedback: z.enum(['up', 'down']).nullable() }).strict(),
        req.body,
        'body',
      );
      if (!(await store.getConversation(id, userRef)))
        throw new NotFoundError(`No conversation ${id}`);
      const values = { up: 1, down: -1 } as const;
      const value = feedback ? values[feedback] : null;
      if (!(await store.setFeedback(id, messageId, value)))
        throw new NotFoundError(`No answer ${messageId} in conversation ${id}`);
      res.json({ feedback });
    },
  );

  router.get('/brief', async (req, res) => {
    const { credentials } = await user(req);
    const { entityRef } = parse(
      z.object({ entityRef: entityRefParam }).strict(),
      req.query,
      'query',
    );
    res.json(await deps.brief.brief(entityRef, credentials));
  });

  // `new` starts a conversation; answers stream as server-sent events.
  router.post('/conversations/:id/messages', async (req, res) => {
    const { credentials, userRef } = await user(req);
    const conversationId =
      req.params.id === 'new'
        ? undefined
        : parse(uuid, req.params.id, 'conversation id');
    const body = parse(
      z
        .object({
          text: z
            .string()
            .trim()
            .min(1, 'must not be empty')
            .max(
              deps.maxInputChars,
              `is too long: at most ${deps.maxInputChars} characters`,
            ),
          entityRef: entityRefParam.optional(),
        })
        .strict(),
      req.body,
      'message',
    );
    const wait = deps.limiter.take(userRef);
    if (wait !== undefined) {
      res.status(429).json({
        error: {
          name: 'TooManyRequestsError',
          message: `Too many questions: try again in ${wait} s`,
        },
        response: { statusCode: 429 },
      });
      return;
    }
    if (
      conversationId &&
      !(await store.getConversation(conversationId, userRef))
    )
      throw new NotFoundError(`No conversation ${conversationId}`);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const emit = (event: AssistantStreamEvent) => {
      if (!res.writableEnded)
        res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    try {
      await chat.ask(
        {
          credentials,
          userRef,
          conversationId,
          entityRef: body.entityRef,
          text: body.text,
        },
        emit,
      );
    } catch (error) {
      deps.logger.error(`Assistant answer failed: ${error}`);
      emit({
        type: 'notice',
        message: `The answer failed: ${(error as Error).message}`,
      });
    }
    res.end();
  });

  router.post('/proposals/:id/approve', async (req, res) => {
    const { credentials, userRef } = await user(req);
    const id = parse(
      z.string().uuid('must be a proposal id'),
      req.params.id,
      'proposal id',
    );
    res.json(await proposals.approve(id, userRef, credentials, req));
  });

  return router;
}
