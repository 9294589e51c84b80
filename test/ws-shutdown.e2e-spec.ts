import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuditService } from '../src/audit/audit.service';
import { ConversationsService } from '../src/conversations/conversations.service';
import { HandshakeAuthenticator } from '../src/realtime/handshake-authenticator';
import { createUser, login, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

const SERVICE_TOKEN = 'shutdown-service-token-0123456789-abcdef';
const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('shutdown: app.close(), as SIGTERM runs it (e2e)', () => {
  let t: TestApp;
  let fresh: TestApp | undefined;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    // The first-frame deadline well inside the drain's wait for in-flight frames (SHUTDOWN_TIMEOUT_MS / 2): a socket
    // waited on until its deadline would close 4008, not 1001.
    t = await startTestApp({ REFLECTION_CHUNK_DELAY_MS: '200', WS_SERVICE_TOKEN: SERVICE_TOKEN, WS_AUTH_TIMEOUT_MS: '3000', SHUTDOWN_TIMEOUT_MS: '10000' });
    [alice, bob] = [await createUser(t), await createUser(t)];
  });
  afterAll(async () => {
    await fresh?.close();
    rmSync(dirname(t.config.database.sqlitePath), { recursive: true, force: true });
  });

  it('sends every socket error SHUTTING_DOWN and close 1001, after finishing the chat message in flight, which stays stored', async () => {
    const { body: conv } = await t.http().post('/v1/conversations').set(auth(alice.accessToken)).send({ title: 'bye' }).expect(201);
    await t.http().post(`/v1/conversations/${conv.id}/members`).set(auth(alice.accessToken)).send({ userId: bob.id }).expect(201);
    const { body: entry } = await t.http().post('/v1/entries').set(auth(alice.accessToken)).send({ title: 'long', content: 'Many words here. And more words there. Words everywhere.' }).expect(201);

    const chatA = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conv.id}`, { headers: auth(alice.accessToken) });
    const chatB = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conv.id}`, { headers: auth(bob.accessToken) });
    const reflection = WsTestClient.connect(`${t.wsUrl}/ws/reflections/${entry.id}`, { headers: auth(alice.accessToken) });
    const listener = WsTestClient.connect(`${t.wsUrl}/ws/live-listener`, { headers: auth(SERVICE_TOKEN) });
    // One socket that has shown no credential yet (its first frame would be `auth`), and one whose `auth` frame is being verified.
    const waiting = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conv.id}`);
    const verifying = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conv.id}`);
    const all = [chatA, chatB, reflection, listener, waiting, verifying];
    await Promise.all([chatA.next('ready'), chatB.next('ready'), reflection.next('reflection_chunk'), listener.next('ready'), waiting.opened, verifying.opened]);

    // Slow the store down so the message is certainly in flight when shutdown begins.
    const conversations = t.app.get(ConversationsService);
    const original = conversations.postMessage.bind(conversations);
    let inFlight!: () => void;
    const started = new Promise<void>((r) => { inFlight = r; });
    jest.spyOn(conversations, 'postMessage').mockImplementationOnce(async (input) => {
      inFlight();
      await new Promise((r) => setTimeout(r, 150));
      return original(input);
    });
    const refId = chatA.send('chat_message', { content: 'last words' });
    await started;
    const authenticator = t.app.get(HandshakeAuthenticator);
    const verify = authenticator.verify.bind(authenticator);
    let checking = false;
    jest.spyOn(authenticator, 'verify').mockImplementationOnce(async (...args) => {
      checking = true;
      await new Promise((r) => setTimeout(r, 150));
      return verify(...args);
    });
    verifying.send('auth', { token: bob.accessToken });
    while (!checking) await new Promise((r) => setImmediate(r));

    const closing = t.app.close();
    const closes = await Promise.all(all.map((c) => c.closedWithin()));
    await closing;

    for (const [i, closed] of closes.entries()) {
      expect({ socket: i, code: closed.code }).toEqual({ socket: i, code: 1001 });
      expect(closed.error?.payload).toMatchObject({ code: 'SHUTTING_DOWN', closeCode: 1001 });
      expect(all[i].frames[all[i].frames.length - 1].type).toBe('error');
    }
    const types = chatA.frames.map((f) => f.type);
    expect(types.indexOf('ack')).toBeGreaterThan(-1);
    expect(types.indexOf('ack')).toBeLessThan(types.indexOf('error'));
    const ack = chatA.frames.find((f) => f.type === 'ack')!;
    expect(ack.refId).toBe(refId);
    // The socket being verified got its verdict before the 1001; the one that never sent `auth` got nothing but the 1001.
    expect(verifying.frames[0].type).toBe('ready');
    expect(waiting.frames.map((f) => f.type)).toEqual(['error']);

    // A fresh app on the same database file still has it.
    fresh = await startTestApp({ SQLITE_PATH: t.config.database.sqlitePath });
    const tokens = await login(fresh, alice.email, alice.password);
    const history = await fresh.http().get(`/v1/conversations/${conv.id}/messages?afterSeq=0&limit=10`).set(auth(tokens.accessToken)).expect(200);
    expect(history.body).toEqual([expect.objectContaining({ messageId: ack.payload.messageId, seq: ack.payload.seq, content: 'last words' })]);
    // The audit row of the socket authenticated during the drain was written before the database closed.
    const { items } = await fresh.app.get(AuditService).query({ type: 'ws_auth', userId: bob.id });
    expect(items.map((r) => (r.detail as { method?: string } | null)?.method)).toContain('message');
  });
});

describe('shutdown: audit rows queued while the HTTP server closes (e2e)', () => {
  it('are written before the database closes', async () => {
    // Nest runs every module's onApplicationShutdown after the HTTP server has closed, TypeORM's (which closes the
    // database) among them; a row queued meanwhile is only kept if AuditService's hook runs first.
    const t = await startTestApp();
    const marker = `queued-during-close-${process.pid}-${Date.now()}`;
    const audit = t.app.get(AuditService);
    const http = t.app.getHttpAdapter();
    const close = http.close.bind(http);
    jest.spyOn(http, 'close').mockImplementationOnce(async () => {
      audit.recordLater('ws_close', { reason: marker });
      return close();
    });
    await t.app.close();

    const again = await startTestApp({ SQLITE_PATH: t.config.database.sqlitePath });
    try {
      const { items } = await again.app.get(AuditService).query({ type: 'ws_close', limit: 1000 });
      expect(items.filter((r) => r.reason === marker)).toHaveLength(1);
    } finally {
      await again.close();
      rmSync(dirname(t.config.database.sqlitePath), { recursive: true, force: true });
    }
  });
});
