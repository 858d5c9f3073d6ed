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

/** What every proposal carries: the model asked, the backend stored it, the user may approve it. */
interface AssistantProposalBase {
  id: string;
  conversationId: string;
  entityRef: string;
  /** What the target looked like when the proposal was made. */
  basedOn: string;
  reason: string;
  expiresAt: string;
  /** Whether this user may approve it now (computed on the server). */
  approvable: boolean;
  /** Why not approvable, when it is not. */
  notApprovableReason?: string;
  status: 'open' | 'approved' | 'failed' | 'expired';
  outcome?: string;
}

/** A canary action: approving runs it through the delivery backend. */
export interface AssistantRolloutProposal extends AssistantProposalBase {
  kind: 'rollout';
  action: RolloutAction;
  cluster: string;
  namespace: string;
  rollout: string;
  environment?: string;
  /** The rollout's `metadata.resourceVersion` the proposal was based on. */
  resourceVersion: string;
}

/** A waiver request for one failing check: approving sends it to the compliance backend. */
export interface AssistantWaiverProposal extends AssistantProposalBase {
  kind: 'waiver';
  action: 'request-waiver';
  checkId: string;
  checkTitle: string;
  /** Until when the waiver would run. */
  waiverExpiresAt: string;
}

/**
 * A software template with values filled in: approving opens the
 * scaffolder page prefilled; the user still reviews and runs it.
 */
export interface AssistantTemplateProposal extends AssistantProposalBase {
  kind: 'template';
  action: 'open-template';
  templateRef: string;
  templateTitle: string;
  /** Validated against the template's own parameter schema. */
  values: Record<string, unknown>;
  /** The scaffolder page with the values prefilled (app-relative). */
  url: string;
}

export type AssistantProposal =
  | AssistantRolloutProposal
  | AssistantWaiverProposal
  | AssistantTemplateProposal;

/** What a proposal does, in a few words (card titles, tool results). */
export function describeProposal(p: AssistantProposal): string {
  switch (p.kind) {
    case 'rollout':
      return `${p.action} rollout ${p.rollout} in ${
        p.environment ?? p.cluster
      }`;
    case 'waiver':
      return `request a waiver of ${p.checkId} until ${p.waiverExpiresAt.slice(
        0,
        10,
      )}`;
    default:
      return `open the template ${p.templateTitle} with values filled in`;
  }
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
