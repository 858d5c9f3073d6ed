import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { ConversationStore } from './ConversationStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

async function createStore(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  return ConversationStore.create({
    database: { getClient: async () => knex, migrations: { skip: false } },
  });
}

const T0 = Date.parse('2026-11-01T00:00:00Z');
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

describe('ConversationStore', () => {
  it.each(databases.eachSupportedId())(
    'keeps conversations per user: list, reopen, feedback, delete, %p',
    async id => {
      const store = await createStore(id);
      const a = await store.createConversation({
        userRef: ALICE,
        entityRef: 'component:default/checkout',
        title: 'why did it fail?',
        createdAt: T0,
        updatedAt: T0,
      });
      await store.createConversation({
        userRef: BOB,
        title: 'bob',
        createdAt: T0,
        updatedAt: T0,
      });
      await store.addMessage({
        conversationId: a.id,
        role: 'user',
        content: 'why did it fail?',
        meta: {},
        createdAt: T0 + 1000,
      });
      const answer = await store.addMessage({
        conversationId: a.id,
        role: 'assistant',
        content: 'because',
        meta: { sources: [{ url: '/x' }] },
        createdAt: T0 + 2000,
      });
      expect(answer.seq).toBe(2);
      expect((await store.listConversations(ALICE)).map(c => c.id)).toEqual([
        a.id,
      ]);
      expect((await store.listConversations(ALICE))[0].updatedAt).toBe(
        T0 + 2000,
      );
      // Bob cannot reopen, rate or delete Alice's conversation.
      expect(await store.getConversation(a.id, BOB)).toBeUndefined();
      expect(await store.deleteConversation(a.id, BOB)).toBe(false);
      expect(await store.setFeedback(a.id, answer.id, 1)).toBe(true);
      const messages = await store.listMessages(a.id);
      expect(messages.map(m => [m.role, m.content, m.feedback])).toEqual([
        ['user', 'why did it fail?', undefined],
        ['assistant', 'because', 1],
      ]);
      expect(messages[1].meta).toEqual({ sources: [{ url: '/x' }] });
      expect(await store.deleteConversation(a.id, ALICE)).toBe(true);
      expect(await store.listMessages(a.id)).toEqual([]);
      expect(await store.listConversations(ALICE)).toEqual([]);
    },
  );

  it.each(databases.eachSupportedId())(
    'proposals are single use, bound to their user and expire; retention deletes old conversations, %p',
    async id => {
      const store = await createStore(id);
      const c = await store.createConversation({
        userRef: ALICE,
        title: 't',
        createdAt: T0,
        updatedAt: T0,
      });
      const p = await store.addProposal({
        conversationId: c.id,
        userRef: ALICE,
        entityRef: 'component:default/checkout',
        kind: 'rollout',
        action: 'abort',
        cluster: 'prod-eu',
        namespace: 'checkout',
        rollout: 'checkout',
        environment: 'prod',
        resourceVersion: '42',
        basedOn: 'Degraded, step 2/5',
        reason: 'failing',
        createdAt: T0,
        expiresAt: T0 + 300_000,
      });
      expect(await store.claimProposal(p.id, BOB, T0 + 1)).toBe(false);
      expect(await store.claimProposal(p.id, ALICE, T0 + 300_000)).toBe(false);
      const results = await Promise.all([
        store.claimProposal(p.id, ALICE, T0 + 10),
        store.claimProposal(p.id, ALICE, T0 + 11),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      await store.finishProposal(p.id, 'approved', 'done');
      expect(await store.getProposal(p.id)).toMatchObject({
        usedAt: expect.any(Number),
        status: 'approved',
        resourceVersion: '42',
        expiresAt: T0 + 300_000,
      });
      // A waiver proposal keeps its kind and payload (JSON) as stored.
      const w = await store.addProposal({
        conversationId: c.id,
        userRef: ALICE,
        entityRef: 'component:default/checkout',
        kind: 'waiver',
        action: 'request-waiver',
        payload: {
          checkId: 'image-signed',
          waiverExpiresAt: '2026-12-20T00:00:00.000Z',
        },
        cluster: '',
        namespace: '',
        rollout: '',
        resourceVersion: '',
        basedOn: 'image-signed fails',
        reason: 'signing lands next sprint',
        createdAt: T0,
        expiresAt: T0 + 300_000,
      });
      expect(await store.getProposal(w.id)).toMatchObject({
        kind: 'waiver',
        action: 'request-waiver',
        payload: { checkId: 'image-signed' },
      });
      expect((await store.listProposals(c.id)).map(x => x.kind).sort()).toEqual(
        ['rollout', 'waiver'],
      );

      const recent = await store.createConversation({
        userRef: ALICE,
        title: 'recent',
        createdAt: T0 + 10 * 86_400_000,
        updatedAt: T0 + 10 * 86_400_000,
      });
      expect(await store.deleteOlderThan(T0 + 5 * 86_400_000)).toBe(1);
      expect(await store.getProposal(p.id)).toBeUndefined();
      expect((await store.listConversations(ALICE)).map(x => x.id)).toEqual([
        recent.id,
      ]);
    },
  );
});
