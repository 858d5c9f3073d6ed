import { ResponseError } from '@backstage/errors';
import {
  DiscoveryApi,
  FetchApi,
  createApiRef,
} from '@backstage/frontend-plugin-api';
import type {
  AssistantConversation,
  AssistantConversationSummary,
  AssistantInfo,
  AssistantProposal,
  AssistantStreamEvent,
} from '@portolan/plugin-assistant-common';
import { createParser } from 'eventsource-parser';

export interface AssistantApi {
  info(): Promise<AssistantInfo>;
  listConversations(): Promise<AssistantConversationSummary[]>;
  getConversation(id: string): Promise<AssistantConversation>;
  deleteConversation(id: string): Promise<void>;
  setFeedback(
    conversationId: string,
    messageId: string,
    feedback: 'up' | 'down' | null,
  ): Promise<void>;
  approve(proposalId: string): Promise<AssistantProposal>;
  /** Sends a question; calls `onEvent` for each streamed event until the answer is done. */
  ask(
    params: { conversationId?: string; entityRef?: string; text: string },
    onEvent: (event: AssistantStreamEvent) => void,
    signal?: AbortSignal,
  ): Promise<void>;
}

export const assistantApiRef = createApiRef<AssistantApi>({
  id: 'plugin.assistant',
});

/** Talks to the assistant backend through discovery and the signed-in fetch. */
export class AssistantClient implements AssistantApi {
  constructor(
    private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi },
  ) {}

  private async call(path: string, init?: RequestInit): Promise<Response> {
    const base = await this.deps.discoveryApi.getBaseUrl('assistant');
    const res = await this.deps.fetchApi.fetch(`${base}${path}`, init);
    if (!res.ok) throw await ResponseError.fromResponse(res);
    return res;
  }

  async info() {
    return (await this.call('/info')).json();
  }

  async listConversations() {
    return (await (await this.call('/conversations')).json()).conversations;
  }

  async getConversation(id: string) {
    return (await this.call(`/conversations/${encodeURIComponent(id)}`)).json();
  }

  async deleteConversation(id: string) {
    await this.call(`/conversations/${encodeURIComponent(id)}`, {
      method: 'DELETE',
    });
  }

  async setFeedback(
    conversationId: string,
    messageId: string,
    feedback: 'up' | 'down' | null,
  ) {
    await this.call(
      `/conversations/${encodeURIComponent(
        conversationId,
      )}/messages/${encodeURIComponent(messageId)}/feedback`,
      {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ feedback }),
      },
    );
  }

  async approve(proposalId: string) {
    return (
      await this.call(`/proposals/${encodeURIComponent(proposalId)}/approve`, {
        method: 'POST',
      })
    ).json();
  }

  async ask(
    params: { conversationId?: string; entityRef?: string; text: string },
    onEvent: (event: AssistantStreamEvent) => void,
    signal?: AbortSignal,
  ) {
    const res = await this.call(
      `/conversations/${encodeURIComponent(
        params.conversationId ?? 'new',
      )}/messages`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          text: params.text,
          entityRef: params.entityRef,
        }),
        signal,
      },
    );
    const parser = createParser({
      onEvent: e => onEvent(JSON.parse(e.data) as AssistantStreamEvent),
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  }
}
