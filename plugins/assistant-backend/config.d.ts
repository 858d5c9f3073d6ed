export interface Config {
  assistant?: {
    /** Any OpenAI-compatible chat-completions endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, LiteLLM). Absent: the offline brief only. */
    openai?: {
      /** e.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama). */
      baseURL: string;
      /** @visibility secret */
      apiKey?: string;
      model: string;
      /** Per request to the model, in ms (default 20000). */
      timeoutMs?: number;
    };
    /** Conversations untouched for this many days are deleted (default 90). */
    retentionDays?: number;
    /** Longer questions are refused with 400 (default 2000 characters). */
    maxInputChars?: number;
    rateLimit?: {
      /** Questions per user per minute (default 10). */
      messagesPerMinute?: number;
    };
    /** Upper bound of what is sent to the model, in tokens (default 6000). */
    maxPromptTokens?: number;
    /** How long a proposal can be approved (default 300 s). */
    proposalTtlSeconds?: number;
  };
}
