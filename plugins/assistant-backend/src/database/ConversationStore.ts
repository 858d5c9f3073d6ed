import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { RolloutAction } from '@portolan/plugin-delivery-common';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';

const migrationsDir = resolvePackagePath(
  '@portolan/plugin-assistant-backend',
  'migrations',
);

export interface StoredConversation {
  id: string;
  userRef: string;
  entityRef?: string;
  title: string;
  createdAt: number;
  updatedAt: number;
}

export interface StoredMessage {
  id: string;
  conversationId: string;
  seq: number;
  role: 'user' | 'assistant';
  /** Redacted before it was stored. */
  content: string;
  meta: Record<string, unknown>;
  feedback?: 1 | -1;
  createdAt: number;
}

export type ProposalKind = 'rollout' | 'waiver' | 'template';

export interface StoredProposal {
  id: string;
  conversationId: string;
  userRef: string;
  entityRef: string;
  kind: ProposalKind;
  /** A rollout action, `request-waiver` or `open-template`. */
  action: RolloutAction | 'request-waiver' | 'open-template';
  /** What a waiver or template proposal needs (JSON); none for rollouts. */
  payload?: Record<string, unknown>;
  /** Rollout proposals only (empty for the other kinds). */
  cluster: string;
  namespace: string;
  rollout: string;
  environment?: string;
  resourceVersion: string;
  basedOn: string;
  reason: string;
  createdAt: number;
  expiresAt: number;
  usedAt?: number;
  status?: 'approved' | 'failed';
  outcome?: string;
}

// PostgreSQL returns bigint columns as strings.
const num = (v: unknown) => Number(v);
const opt = <T>(v: T | null | undefined) => (v === null ? undefined : v);

/** The assistant's conversations, messages and proposals: the only code touching its tables. */
export class ConversationStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<ConversationStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: 'assistant_knex_migrations',
      });
    }
    return new ConversationStore(client);
  }

  private constructor(private readonly db: Knex) {}

  async createConversation(c: Omit<StoredConversation, 'id'>) {
    const id = randomUUID();
    await this.db('assistant_conversations').insert({
      id,
      user_ref: c.userRef,
      entity_ref: c.entityRef ?? null,
      title: c.title.slice(0, 200),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    });
    return { id, ...c };
  }

  /** A conversation of this user; undefined for anyone else's. */
  async getConversation(
    id: string,
    userRef: string,
  ): Promise<StoredConversation | undefined> {
    const r = await this.db('assistant_conversations')
      .where({ id, user_ref: userRef })
      .first();
    return r ? toConversation(r) : undefined;
  }

  async listConversations(
    userRef: string,
    limit = 50,
  ): Promise<StoredConversation[]> {
    const rows = await this.db('assistant_conversations')
      .where({ user_ref: userRef })
      .orderBy('updated_at', 'desc')
      .limit(limit);
    return rows.map(toConversation);
  }

  async deleteConversation(id: string, userRef: string): Promise<boolean> {
    return this.db.transaction(async tx => {
      const found = await tx('assistant_conversations')
        .where({ id, user_ref: userRef })
        .first();
      if (!found) return false;
      await tx('assistant_proposals').where({ conversation_id: id }).delete();
      await tx('assistant_messages').where({ conversation_id: id }).delete();
      await tx('assistant_conversations').where({ id }).delete();
      return true;
    });
  }

  /** Deletes conversations untouched since `before` (retention); returns how many. */
  async deleteOlderThan(before: number): Promise<number> {
    return this.db.transaction(async tx => {
      const old = tx('assistant_conversations')
        .where('updated_at', '<', before)
        .select('id');
      await tx('assistant_proposals').whereIn('conversation_id', old).delete();
      await tx('assistant_messages').whereIn('conversation_id', old).delete();
      const n = await tx('assistant_conversations')
        .where('updated_at', '<', before)
        .delete();
      return Number(n ?? 0);
    });
  }

  async addMessage(
    m: Omit<StoredMessage, 'id' | 'seq'>,
  ): Promise<StoredMessage> {
    const id = randomUUID();
    return this.db.transaction(async tx => {
      const last = await tx('assistant_messages')
        .where({ conversation_id: m.conversationId })
        .max({ seq: 'seq' })
        .first();
      const seq = Number(last?.seq ?? 0) + 1;
      await tx('assistant_messages').insert({
        id,
        conversation_id: m.conversationId,
        seq,
        role: m.role,
        content: m.content,
        meta: JSON.stringify(m.meta),
        feedback: m.feedback ?? null,
        created_at: m.createdAt,
      });
      await tx('assistant_conversations')
        .where({ id: m.conversationId })
        .update({ updated_at: m.createdAt });
      return { ...m, id, seq };
    });
  }

  async listMessages(conversationId: string): Promise<StoredMessage[]> {
    const rows = await this.db('assistant_messages')
      .where({ conversation_id: conversationId })
      .orderBy('seq', 'asc');
    return rows.map(r => ({
      id: r.id,
      conversationId: r.conversation_id,
      seq: Number(r.seq),
      role: r.role,
      content: r.content,
      meta: JSON.parse(r.meta),
      feedback: opt(r.feedback) as 1 | -1 | undefined,
      createdAt: num(r.created_at),
    }));
  }

  /** Thumbs up/down on an assistant message of this user's conversation. */
  async setFeedback(
    conversationId: string,
    messageId: string,
    feedback: 1 | -1 | null,
  ): Promise<boolean> {
    const n = await this.db('assistant_messages')
      .where({
        id: messageId,
        conversation_id: conversationId,
        role: 'assistant',
      })
      .update({ feedback });
    return n > 0;
  }

  async addProposal(
    p: Omit<StoredProposal, 'id' | 'usedAt' | 'status' | 'outcome'>,
  ): Promise<StoredProposal> {
    const id = randomUUID();
    await this.db('assistant_proposals').insert({
      id,
      conversation_id: p.conversationId,
      user_ref: p.userRef,
      entity_ref: p.entityRef,
      kind: p.kind,
      action: p.action,
      payload: p.payload ? JSON.stringify(p.payload) : null,
      cluster: p.cluster,
      namespace: p.namespace,
      rollout: p.rollout,
      environment: p.environment ?? null,
      resource_version: p.resourceVersion,
      based_on: p.basedOn.slice(0, 500),
      reason: p.reason.slice(0, 500),
      created_at: p.createdAt,
      expires_at: p.expiresAt,
    });
    return { ...p, id };
  }

  async getProposal(id: string): Promise<StoredProposal | undefined> {
    const r = await this.db('assistant_proposals').where({ id }).first();
    return r ? toProposal(r) : undefined;
  }

  async listProposals(conversationId: string): Promise<StoredProposal[]> {
    const rows = await this.db('assistant_proposals')
      .where({ conversation_id: conversationId })
      .orderBy('created_at', 'asc');
    return rows.map(toProposal);
  }

  /**
   * Marks an open, unexpired proposal of this user used; false when another
   * approval got there first, or it expired (single use, atomic).
   */
  async claimProposal(id: string, userRef: string, now: number) {
    const n = await this.db('assistant_proposals')
      .where({ id, user_ref: userRef })
      .whereNull('used_at')
      .where('expires_at', '>', now)
      .update({ used_at: now });
    return n === 1;
  }

  async finishProposal(
    id: string,
    status: 'approved' | 'failed',
    outcome: string,
  ) {
    await this.db('assistant_proposals')
      .where({ id })
      .update({ status, outcome: outcome.slice(0, 2000) });
  }
}

function toConversation(r: any): StoredConversation {
  return {
    id: r.id,
    userRef: r.user_ref,
    entityRef: opt(r.entity_ref),
    title: r.title,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

function toProposal(r: any): StoredProposal {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    userRef: r.user_ref,
    entityRef: r.entity_ref,
    kind: r.kind ?? 'rollout',
    action: r.action,
    payload: r.payload ? JSON.parse(r.payload) : undefined,
    cluster: r.cluster,
    namespace: r.namespace,
    rollout: r.rollout,
    environment: opt(r.environment),
    resourceVersion: r.resource_version,
    basedOn: r.based_on,
    reason: r.reason,
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    usedAt: r.used_at === null ? undefined : num(r.used_at),
    status: opt(r.status),
    outcome: opt(r.outcome),
  };
}
