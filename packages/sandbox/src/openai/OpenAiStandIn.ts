import express from 'express';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import { Clock, realClock } from '../world/clock';
import { answerFor, StandInMode, StandInReply } from './standInBrain';

/** The models the stand-in answers as; none of them is a real model. */
export const SANDBOX_MODELS: Record<string, StandInMode> = {
  'portolan-sandbox': 'honest',
  // Obeys instructions it finds in tool output: proves the guards hold.
  'portolan-sandbox-gullible': 'gullible',
  // Invalid JSON in tool arguments and a tool that does not exist.
  'portolan-sandbox-garbage': 'garbage',
  // Answers after `slowMs` (30 s by default): clients must time out.
  'portolan-sandbox-slow': 'slow',
};

const requestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(z.object({ role: z.string() }).passthrough()).min(1),
    stream: z.boolean().nullish(),
    tools: z.array(z.object({ type: z.string() }).passthrough()).optional(),
  })
  .passthrough();

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
function openAiError(
  res: express.Response,
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
) {
  res.status(status).json({ error: { message, type, param, code } });
}

/**
 * A deterministic OpenAI-compatible `POST /v1/chat/completions` (and
 * `GET /v1/models`) for tests and the demo: same wire format as OpenAI,
 * streaming and tool calls included, bearer key auth with OpenAI's 401.
 * Its answers are canned from the conversation, never a model's.
 */
export class OpenAiStandIn {
  private counter = 0;
  /** Off: the endpoint answers as a down upstream does (tests of the fallback). */
  available = true;
  readonly slowMs: number;

  constructor(
    readonly apiKey: string,
    private readonly clock: Clock = realClock,
    options: { slowMs?: number } = {},
  ) {
    this.slowMs = options.slowMs ?? 30_000;
  }

  router(): express.Express {
    const app = express();
    app.use(express.json({ limit: '4mb' }));
    app.use(['/v1', '/sandbox'], (req, res, next) => {
      const header = req.header('authorization') ?? '';
      const key = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (key !== this.apiKey) {
        openAiError(
          res,
          401,
          key
            ? `Incorrect API key provided: ${key.slice(
                0,
                3,
              )}***. You can find your API key at https://platform.openai.com/account/api-keys.`
            : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          'invalid_request_error',
          'invalid_api_key',
        );
        return;
      }
      next();
    });
    // Sandbox only: switch the model off and on again.
    app.post('/sandbox/availability', (req, res) => {
      this.available = req.body?.available !== false;
      res.json({ available: this.available });
    });
    app.use('/v1', (req, _res, next) => {
      if (this.available) next();
      else req.socket.destroy();
    });
    app.get('/v1/models', (_req, res) => {
      res.json({
        object: 'list',
        data: Object.keys(SANDBOX_MODELS).map(id => ({
          id,
          object: 'model',
          created: 0,
          owned_by: 'portolan-sandbox',
        })),
      });
    });
    app.post('/v1/chat/completions', (req, res) => {
      const parsed = requestSchema.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        openAiError(
          res,
          400,
          `Invalid request: ${issue.path.join('.') || 'body'} ${issue.message}`,
          'invalid_request_error',
          null,
          issue.path.join('.') || null,
        );
        return;
      }
      const body = parsed.data as unknown as ChatCompletionCreateParams;
      const mode = SANDBOX_MODELS[body.model];
      if (!mode) {
        openAiError(
          res,
          404,
          `The model \`${body.model}\` does not exist or you do not have access to it.`,
          'invalid_request_error',
          'model_not_found',
        );
        return;
      }
      const reply = answerFor(
        mode,
        body.messages as ChatCompletionMessageParam[],
        (body.tools ?? []) as ChatCompletionTool[],
      );
      const send = () => {
        if (res.destroyed) return;
        if (body.stream) this.stream(res, body.model, reply);
        else res.json(this.completion(body.model, reply));
      };
      if (mode === 'slow') setTimeout(send, this.slowMs).unref();
      else send();
    });
    return app;
  }

  private nextId() {
    this.counter += 1;
    return `chatcmpl-sandbox-${this.counter}`;
  }

  private toolCalls(
    reply: StandInReply,
  ): ChatCompletionMessageFunctionToolCall[] {
    return reply.toolCalls.map((c, i) => ({
      id: `call_sandbox_${this.counter}_${i}`,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }

  completion(model: string, reply: StandInReply): ChatCompletion {
    const id = this.nextId();
    const toolCalls = this.toolCalls(reply);
    return {
      id,
      object: 'chat.completion',
      created: Math.floor(this.clock.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
          message: {
            role: 'assistant',
            content: reply.content || null,
            refusal: null,
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
        },
      ],
      usage: {
        prompt_tokens: reply.promptTokens,
        completion_tokens: reply.completionTokens,
        total_tokens: reply.promptTokens + reply.completionTokens,
      },
    };
  }

  private stream(res: express.Response, model: string, reply: StandInReply) {
    const id = this.nextId();
    const created = Math.floor(this.clock.now() / 1000);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.flushHeaders();
    const chunk = (
      delta: ChatCompletionChunk.Choice.Delta,
      finish: ChatCompletionChunk.Choice['finish_reason'] = null,
    ): ChatCompletionChunk => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    const write = (c: ChatCompletionChunk) =>
      res.write(`data: ${JSON.stringify(c)}\n\n`);
    write(chunk({ role: 'assistant', content: '' }));
    // Word by word, as a model streams tokens.
    for (const piece of reply.content.match(/\S+\s*|\s+/g) ?? [])
      write(chunk({ content: piece }));
    this.toolCalls(reply).forEach((call, index) => {
      write(
        chunk({
          tool_calls: [
            {
              index,
              id: call.id,
              type: 'function',
              function: { name: call.function.name, arguments: '' },
            },
          ],
        }),
      );
      const args = call.function.arguments;
      const half = Math.ceil(args.length / 2);
      for (const part of [args.slice(0, half), args.slice(half)])
        if (part)
          write(
            chunk({ tool_calls: [{ index, function: { arguments: part } }] }),
          );
    });
    write(chunk({}, reply.toolCalls.length ? 'tool_calls' : 'stop'));
    res.write('data: [DONE]\n\n');
    res.end();
  }
}
