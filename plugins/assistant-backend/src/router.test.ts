import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { OpenAiStandIn, SANDBOX_OPENAI_API_KEY } from '@portolan/sandbox';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { assistantPlugin } from './plugin';

jest.setTimeout(60_000);

/** The SSE events of a response body. */
function eventsOf(text: string) {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map(block => JSON.parse(block.split('\ndata: ')[1]));
}

describe('assistant router', () => {
  let model: http.Server;
  let server: http.Server;
  const alice = mockCredentials.user.header('user:default/alice');
  const bob = mockCredentials.user.header('user:default/bob');

  beforeAll(async () => {
    model = http.createServer(
      new OpenAiStandIn(SANDBOX_OPENAI_API_KEY).router(),
    );
    await new Promise<void>(r => model.listen(0, '127.0.0.1', r));
    const port = (model.address() as AddressInfo).port;
    const backend = await startTestBackend({
      features: [
        assistantPlugin,
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        mockServices.rootConfig.factory({
          data: {
            assistant: {
              openai: {
                baseURL: `http://127.0.0.1:${port}/v1`,
                apiKey: SANDBOX_OPENAI_API_KEY,
                model: 'portolan-sandbox',
              },
              maxInputChars: 100,
              rateLimit: { messagesPerMinute: 3 },
            },
          },
        }),
      ],
    });
    server = backend.server;
  });
  afterAll(async () => {
    model.closeAllConnections();
    await new Promise(r => model.close(r));
  });

  it('requires a signed-in user', async () => {
    await request(server).get('/api/assistant/conversations').expect(401);
    await request(server)
      .post('/api/assistant/conversations/new/messages')
      .send({ text: 'hi' })
      .expect(401);
  });

  it('says which model answers, labelling the stand-in', async () => {
    const res = await request(server)
      .get('/api/assistant/info')
      .set('Authorization', alice)
      .expect(200);
    expect(res.body).toEqual({
      model: { name: 'portolan-sandbox', standIn: true },
      maxInputChars: 100,
    });
  });

  it('streams an answer, keeps the conversation for its user only, stores feedback and deletes', async () => {
    const res = await request(server)
      .post('/api/assistant/conversations/new/messages')
      .set('Authorization', alice)
      .send({ text: 'hello there', entityRef: 'checkout' })
      .expect(200)
      .expect('Content-Type', /text\/event-stream/);
    const events = eventsOf(res.text);
    expect(events[0].type).toBe('conversation');
    expect(events.filter(e => e.type === 'token').length).toBeGreaterThan(2);
    const done = events[events.length - 1];
    expect(done.type).toBe('done');
    expect(done.message.content).toMatch(/Sandbox stand-in answer/);
    const id = events[0].conversationId;

    const list = await request(server)
      .get('/api/assistant/conversations')
      .set('Authorization', alice)
      .expect(200);
    expect(list.body.conversations).toEqual([
      expect.objectContaining({
        id,
        title: 'hello there',
        entityRef: 'component:default/checkout',
      }),
    ]);
    await request(server)
      .get(`/api/assistant/conversations/${id}`)
      .set('Authorization', bob)
      .expect(404);
    await request(server)
      .put(
        `/api/assistant/conversations/${id}/messages/${done.message.id}/feedback`,
      )
      .set('Authorization', alice)
      .send({ feedback: 'down' })
      .expect(200);
    const reopened = await request(server)
      .get(`/api/assistant/conversations/${id}`)
      .set('Authorization', alice)
      .expect(200);
    expect(reopened.body.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant',
    ]);
    expect(reopened.body.messages[1].feedback).toBe('down');
    await request(server)
      .delete(`/api/assistant/conversations/${id}`)
      .set('Authorization', bob)
      .expect(404);
    await request(server)
      .delete(`/api/assistant/conversations/${id}`)
      .set('Authorization', alice)
      .expect(204);
  });

  it('refuses bad input with 400s naming the problem, and rate-limits per user', async () => {
    const long = await request(server)
      .post('/api/assistant/conversations/new/messages')
      .set('Authorization', bob)
      .send({ text: 'x'.repeat(101) })
      .expect(400);
    expect(long.body.error.message).toMatch(
      /text is too long: at most 100 characters/,
    );
    const badRef = await request(server)
      .post('/api/assistant/conversations/new/messages')
      .set('Authorization', bob)
      .send({ text: 'hi', entityRef: 'a:b:c/d/e' })
      .expect(400);
    expect(badRef.body.error.message).toMatch(/entityRef/);
    await request(server)
      .post('/api/assistant/conversations/not-a-uuid/messages')
      .set('Authorization', bob)
      .send({ text: 'hi' })
      .expect(400);
    for (let i = 0; i < 3; i++)
      await request(server)
        .post('/api/assistant/conversations/new/messages')
        .set('Authorization', bob)
        .send({ text: `q${i}` })
        .expect(200);
    const limited = await request(server)
      .post('/api/assistant/conversations/new/messages')
      .set('Authorization', bob)
      .send({ text: 'one more' })
      .expect(429);
    expect(limited.body.error.message).toMatch(/Too many questions/);
  });
});
