import { Config } from '@backstage/config';
import { ModelSettings } from '../services/ChatService';

export interface AssistantConfig {
  model?: ModelSettings;
  retentionDays: number;
  maxInputChars: number;
  messagesPerMinute: number;
  maxPromptTokens: number;
  proposalTtlMs: number;
}

/** `assistant.*`, with defaults; no `assistant.openai` means the offline brief only. */
export function readAssistantConfig(config: Config): AssistantConfig {
  const c = config.getOptionalConfig('assistant');
  const openai = c?.getOptionalConfig('openai');
  const positive = (key: string, fallback: number, max: number) => {
    const v = c?.getOptionalNumber(key) ?? fallback;
    if (!Number.isFinite(v) || v <= 0 || v > max)
      throw new Error(
        `Invalid config value at 'assistant.${key}': must be a number above 0 and at most ${max}`,
      );
    return v;
  };
  return {
    model: openai
      ? {
          baseURL: openai.getString('baseURL').replace(/\/+$/, ''),
          // Ollama and vLLM take any key; OpenAI, Azure and LiteLLM need one.
          apiKey: openai.getOptionalString('apiKey') ?? 'none',
          model: openai.getString('model'),
          timeoutMs: openai.getOptionalNumber('timeoutMs') ?? 20_000,
        }
      : undefined,
    retentionDays: positive('retentionDays', 90, 3650),
    maxInputChars: positive('maxInputChars', 2000, 20_000),
    messagesPerMinute: positive('rateLimit.messagesPerMinute', 10, 1000),
    maxPromptTokens: positive('maxPromptTokens', 6000, 200_000),
    proposalTtlMs: positive('proposalTtlSeconds', 300, 3600) * 1000,
  };
}
