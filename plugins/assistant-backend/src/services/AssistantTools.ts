import { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  ActionsService,
  ActionsServiceAction,
} from '@backstage/backend-plugin-api/alpha';
import { JsonObject, JsonValue } from '@backstage/types';
import Ajv, { ValidateFunction } from 'ajv';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';

/** The tools that are not actions: each stores a proposal, none acts. */
export const PROPOSE_TOOL_NAME = 'propose_rollout_action';
export const PROPOSE_WAIVER_TOOL_NAME = 'propose_waiver_request';
export const PROPOSE_TEMPLATE_TOOL_NAME = 'propose_template';

export interface ResolvedTool {
  /** `plugin:name`, the action id. */
  id: string;
  /** The OpenAI function name (`plugin__name`: ':' is not allowed there). */
  functionName: string;
  action: ActionsServiceAction;
  validate: ValidateFunction;
}

export class ToolInputError extends Error {
  name = 'ToolInputError';
}

/** OpenAI function names allow [a-zA-Z0-9_-] only. */
export function functionNameOf(actionId: string): string {
  return actionId.replace(/:/g, '__').replace(/[^a-zA-Z0-9_-]/g, '_');
}

/**
 * The read-only actions of Backstage's actions registry the asking user can
 * see, as model tools; invoked with that user's credentials, so every
 * permission applies. Actions that may write are never offered.
 */
export class AssistantTools {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly validators = new Map<string, ValidateFunction>();
  /** Per principal, briefly: listing asks every plugin source over HTTP. */
  private readonly listed = new Map<
    string,
    { at: number; tools: Promise<ResolvedTool[]> }
  >();

  constructor(
    private readonly actions: ActionsService,
    private readonly timeoutMs: number,
    private readonly listCacheMs = 0,
    private readonly now: () => number = Date.now,
  ) {}

  async list(credentials: BackstageCredentials): Promise<ResolvedTool[]> {
    if (!this.listCacheMs) return this.fetchList(credentials);
    const p = credentials.principal as { type: string; userEntityRef?: string };
    const key = p.type === 'user' ? `user:${p.userEntityRef}` : '';
    if (!key) return this.fetchList(credentials);
    const now = this.now();
    const hit = this.listed.get(key);
    if (hit && now - hit.at < this.listCacheMs) return hit.tools;
    const tools = this.fetchList(credentials);
    this.listed.set(key, { at: now, tools });
    tools.catch(() => this.listed.delete(key));
    if (this.listed.size > 5000)
      for (const [k, v] of this.listed)
        if (now - v.at >= this.listCacheMs) this.listed.delete(k);
    return tools;
  }

  private async fetchList(
    credentials: BackstageCredentials,
  ): Promise<ResolvedTool[]> {
    const { actions } = await this.actions.list({ credentials });
    return actions
      .filter(a => a.attributes.readOnly && !a.attributes.destructive)
      .map(action => ({
        id: action.id,
        functionName: functionNameOf(action.id),
        action,
        validate: this.validator(action),
      }));
  }

  private validator(action: ActionsServiceAction): ValidateFunction {
    const key = `${action.id} ${JSON.stringify(action.schema.input)}`;
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(action.schema.input as object);
      this.validators.set(key, v);
    }
    return v;
  }

  /** As OpenAI `tools`. */
  static asFunctions(tools: ResolvedTool[]): ChatCompletionFunctionTool[] {
    return tools.map(t => ({
      type: 'function',
      function: {
        name: t.functionName,
        description: `${t.action.title}. ${t.action.description}`.slice(0, 700),
        parameters: t.action.schema.input as Record<string, unknown>,
      },
    }));
  }

  /** Parses and validates the model's arguments against the action's own schema. */
  static parseArguments(tool: ResolvedTool, raw: string): JsonObject {
    let input: unknown;
    try {
      input = raw.trim() ? JSON.parse(raw) : {};
    } catch {
      throw new ToolInputError(
        `arguments for ${tool.id} are not valid JSON: ${raw.slice(0, 80)}`,
      );
    }
    if (!tool.validate(input)) {
      const errors = (tool.validate.errors ?? [])
        .map(e => `${e.instancePath || 'input'} ${e.message}`)
        .join('; ');
      throw new ToolInputError(`invalid arguments for ${tool.id}: ${errors}`);
    }
    return input as JsonObject;
  }

  async invoke(
    tool: ResolvedTool,
    input: JsonObject,
    credentials: BackstageCredentials,
  ): Promise<JsonValue> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`${tool.id} did not answer within ${this.timeoutMs} ms`),
          ),
        this.timeoutMs,
      );
    });
    try {
      const { output } = await Promise.race([
        this.actions.invoke({ id: tool.id, input, credentials }),
        timeout,
      ]);
      return output;
    } finally {
      clearTimeout(timer);
    }
  }
}
