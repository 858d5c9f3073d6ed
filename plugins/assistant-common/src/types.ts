import type { RolloutAction } from '@portolan/plugin-delivery-common';

/** A link an answer is based on: it comes from a tool's output, never from the model. */
export interface AssistantSource {
  title: string;
  url: string;
  tool: string;
}

/** One tool call of an answer, as the panel lists it. */
export interface AssistantToolCall {
  tool: string;
  input: unknown;
  ok: boolean;
  error?: string;
}

/** A canary action the model proposed; the backend stored it, the user may approve it. */
export interface AssistantProposal {
  id: string;
  conversationId: string;
  action: RolloutAction;
  entityRef: string;
  cluster: string;
  namespace: string;
  rollout: string;
  environment?: string;
  /** The rollout's `metadata.resourceVersion` the proposal was based on. */
  resourceVersion: string;
  /** What the rollout looked like then: phase and step. */
  basedOn: string;
  reason: string;
  expiresAt: string;
  /** Whether this user holds the permission the Canary tab's buttons need. */
  approvable: boolean;
  /** Why not approvable, when it is not. */
  notApprovableReason?: string;
  status: 'open' | 'approved' | 'failed' | 'expired';
  outcome?: string;
}

/** The deterministic brief shown without a model: labelled as such. */
export interface AssistantBrief {
  entityRef: string;
  generatedAt: string;
  sections: Array<{
    title: string;
    items: string[];
    link?: string;
    error?: string;
  }>;
}

export interface AssistantMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  createdAt: string;
  tools: AssistantToolCall[];
  sources: AssistantSource[];
  proposals: AssistantProposal[];
  brief?: AssistantBrief;
  notice?: string;
  /** The model that answered; `standIn` when it is the sandbox's stand-in. */
  model?: { name: string; standIn: boolean };
  feedback?: 'up' | 'down';
  promptTokens?: number;
}

export interface AssistantConversationSummary {
  id: string;
  title: string;
  entityRef?: string;
  createdAt: string;
  updatedAt: string;
}

export interface AssistantConversation extends AssistantConversationSummary {
  messages: AssistantMessage[];
}

/** Server-sent events of `POST /conversations/:id/messages` (event name = `type`). */
export type AssistantStreamEvent =
  | { type: 'conversation'; conversationId: string; messageId: string }
  | { type: 'token'; text: string }
  | { type: 'tool'; call: AssistantToolCall }
  | { type: 'source'; source: AssistantSource }
  | { type: 'proposal'; proposal: AssistantProposal }
  | { type: 'notice'; message: string }
  | { type: 'brief'; brief: AssistantBrief }
  | { type: 'done'; message: AssistantMessage };

export interface AssistantInfo {
  /** Whether a model is configured; without one the panel offers the brief. */
  model?: { name: string; standIn: boolean };
  maxInputChars: number;
}

/** Models of the sandbox stand-in: never presented as a model. */
export function isStandInModel(name: string): boolean {
  return name.startsWith('portolan-sandbox');
}
