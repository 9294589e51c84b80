import { randomUUID } from 'node:crypto';
import { ChatDeliveryService } from '../src/gateways/chat-delivery.service';
import { ConversationsService } from '../src/conversations/conversations.service';
import { createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { Frame, WsTestClient } from './helpers/ws-client';
import { sleep, waitFrame as waitFor } from './helpers/ws-assertions';

const auth = (u: TestUser) => ({ Authorization: `Bearer ${u.accessToken}` });

const chatSeqs = (c: WsTestClient) => c.frames.filter((f) => f.type === 'chat_message').map((f) => f.payload.seq as number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/**
 * Holds the calls of `target[method]` that `when` picks until `release()`; the
 * others, and the held ones once released, run the real method. Only the
 * timing changes, nothing is faked.
 */
function holdCalls<T extends object, K extends keyof T & string>(target: T, method: K, when: (...args: unknown[]) => boolean) {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const original = (target[method] as (...args: unknown[]) => Promise<unknown>).bind(target);
  const held = async (...args: unknown[]) => {
    if (when(...args)) await gate;
    return original(...args);
  };
  const spy: jest.SpyInstance = jest.spyOn(target as never, method as never).mockImplementation(held as never);
  return { release, spy };
}
/** Polls a server-side fact the test cannot wait on as an event (at most 5 s). */
const waitForCondition = async (ok: () => boolean) => {
  for (const deadline = Date.now() + 5000; !ok(); await sleep(5)) if (Date.now() > deadline) throw new Error('condition not met within 5 s');
};

describe('/ws/conversations/:conversationId (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let outsider: TestUser;
  const sockets: WsTestClient[] = [];

  const connect = (conversationId: string, u: TestUser) => {
    const c = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conversationId}`, { headers: auth(u) });
    sockets.push(c);
    return c;
  };
  const ready = async (conversationId: string, u: TestUser) => {
    const c = connect(conversationId, u);
    await c.next('ready');
    return c;
  };
  const newConversation = async () => {
    const { body } = await t.http().post('/v1/conversations').set(auth(alice)).send({ title: 'chat' }).expect(201);
    await t.http().post(`/v1/conversations/${body.id}/members`).set(auth(alice)).send({ userId: bob.id }).expect(201);
    return body.id as string;
  };
  const history = async (conversationId: string, u: TestUser = alice) =>
    (await t.http().get(`/v1/conversations/${conversationId}/messages?afterSeq=0&limit=500`).set(auth(u)).expect(200)).body as Array<{ messageId: string; seq: number; content: string }>;
  /** Sends a chat message and waits for its ack. */
  const post = async (c: WsTestClient, content: string, id?: string) => {
    const refId = c.send('chat_message', { content }, id);
    return waitFor(c, (f) => f.type === 'ack' && f.refId === refId && !acked.has(f)).then((f) => { acked.add(f); return f; });
  };
  const acked = new Set<Frame>();
  /** The socket is still open and answering. */
  const expectAlive = async (c: WsTestClient) => {
    const id = c.send('ping', {});
    expect((await waitFor(c, (f) => f.type === 'pong' && f.refId === id)).refId).toBe(id);
  };

  beforeAll(async () => {
    // 300 sockets of one user make a room larger than one fan-out slice (250).
    t = await startTestApp({ WS_MAX_PROTOCOL_ERRORS: '3', WS_MAX_CONNECTIONS_PER_USER: '400' });
    [alice, bob, outsider] = [await createUser(t), await createUser(t), await createUser(t)];
  });
  afterEach(() => { for (const c of sockets.splice(0)) c.close(); });
  afterAll(async () => { await t.close(); });

  it('acks a chat_message only once it is stored, and delivers it to another member', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    const b = await ready(id, bob);
    // ws clients offer permessage-deflate by default; the server takes no extension, which fan-out's
    // pre-framed bytes rely on (src/realtime/shared-frame.ts).
    expect([a.ws.extensions, b.ws.extensions]).toEqual(['', '']);
    const refId = a.send('chat_message', { content: 'hello bob' });
    const ack = await a.next('ack');
    expect(ack.refId).toBe(refId);
    expect(ack.payload).toEqual({ refId, messageId: expect.any(String), seq: 1 });
    // Read at the moment of the ack: it must already be there.
    const stored = await history(id);
    expect(stored).toEqual([expect.objectContaining({ messageId: ack.payload.messageId, seq: 1, content: 'hello bob' })]);

    const got = await b.next('chat_message');
    expect(got.payload).toEqual({
      messageId: ack.payload.messageId, seq: 1, conversationId: id, authorId: alice.id, content: 'hello bob', createdAt: expect.any(String),
    });
  });

  it('does not store a resent frame id twice: the ack repeats the first messageId', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    const b = await ready(id, bob);
    const frameId = randomUUID();
    const first = await post(a, 'once', frameId);
    const again = await post(a, 'once, resent with other text', frameId);
    expect(again.payload).toEqual(first.payload);
    const marker = await post(a, 'after');
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.messageId === marker.payload.messageId);

    const stored = await history(id);
    expect(stored.map((m) => m.messageId)).toEqual([first.payload.messageId, marker.payload.messageId]);
    expect(stored[0].content).toBe('once');
    expect(b.frames.filter((f) => f.type === 'chat_message' && f.payload.messageId === first.payload.messageId)).toHaveLength(1);
  });

  it('stores a frame id sent twice back to back, among others in flight, once: both acks carry its messageId, seqs have no gap', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    const b = await ready(id, bob);
    const twice = randomUUID();
    // Sent without waiting: the repeat usually shares a group commit with the first (the batch's statement then fails
    // on the unique client id and each message is tried alone); either way the outcome must be this one.
    const ids = ['x0', 'x1', twice, twice, 'x4', 'x5'].map((k, i) => a.send('chat_message', { content: `m${i}` }, k.startsWith('x') ? randomUUID() : k));
    const acks = await Promise.all([0, 1, 2, 4, 5].map((i) => waitFor(a, (f) => f.type === 'ack' && f.refId === ids[i])));
    await waitFor(a, (f) => f.type === 'ack' && f.refId === twice && f !== acks[2]);
    const twiceAcks = a.frames.filter((f) => f.type === 'ack' && f.refId === twice);
    expect(twiceAcks).toHaveLength(2);
    // Acked in the order sent, the repeat included.
    expect(a.frames.filter((f) => f.type === 'ack').map((f) => f.refId)).toEqual(ids);
    expect(twiceAcks[1].payload).toEqual(twiceAcks[0].payload);
    const marker = await post(a, 'after');
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.messageId === marker.payload.messageId);
    expect(chatSeqs(b)).toEqual(range(1, 6));
    expect((await history(id)).map((m) => m.content)).toEqual(['m0', 'm1', 'm2', 'm4', 'm5', 'after']);
    expect(b.frames.some((f) => f.type === 'error')).toBe(false);
  });

  it('hands out strictly increasing seq over 20 messages, and delivers them in that order', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    const b = await ready(id, bob);
    const refIds = Array.from({ length: 20 }, (_, i) => a.send('chat_message', { content: `m${i}` }));
    const acks = await Promise.all(refIds.map((r) => waitFor(a, (f) => f.type === 'ack' && f.refId === r)));
    expect(acks.map((f) => f.payload.seq)).toEqual(range(1, 20));
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 20);
    expect(chatSeqs(b)).toEqual(range(1, 20));
    expect(b.frames.filter((f) => f.type === 'chat_message').map((f) => f.payload.content)).toEqual(range(0, 19).map((i) => `m${i}`));
  });

  it('takes 60 messages sent without waiting (past the 16 in flight per socket): acks in send order, seq consecutive, a bad one in the middle refused alone', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    const b = await ready(id, bob);
    const contents = Array.from({ length: 60 }, (_, i) => (i === 30 ? 'x'.repeat(4001) : `p${i}`));
    const refIds = contents.map((content) => a.send('chat_message', { content }));
    const error = await waitFor(a, (f) => f.type === 'error' && f.refId === refIds[30]);
    expect(error.payload).toMatchObject({ code: 'BAD_REQUEST' });
    const good = refIds.filter((_, i) => i !== 30);
    await waitFor(a, (f) => f.type === 'ack' && f.refId === good[good.length - 1]);
    const acks = a.frames.filter((f) => f.type === 'ack');
    expect(acks.map((f) => f.refId)).toEqual(good);
    expect(acks.map((f) => f.payload.seq)).toEqual(range(1, 59));
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 59);
    expect(b.frames.filter((f) => f.type === 'chat_message').map((f) => f.payload.content)).toEqual(contents.filter((_, i) => i !== 30));
    expect((await history(id)).map((m) => m.content)).toEqual(contents.filter((_, i) => i !== 30));
    // The sending socket sees its own messages too, each after its ack.
    await waitFor(a, (f) => f.type === 'chat_message' && f.payload.seq === 59);
    expect(chatSeqs(a)).toEqual(range(1, 59));
    const at = (type: string, seq: number) => a.frames.findIndex((f) => f.type === type && f.payload.seq === seq);
    for (const seq of [1, 30, 59]) expect(at('ack', seq)).toBeLessThan(at('chat_message', seq));
    await expectAlive(a);
  });

  it('orders two sockets of one user posting at once by arrival, with no seq spent twice', async () => {
    const id = await newConversation();
    const [a1, a2] = [await ready(id, alice), await ready(id, alice)];
    const sent = Array.from({ length: 30 }, (_, i) => (i % 2 ? a2 : a1).send('chat_message', { content: `t${i}` }));
    await Promise.all(sent.map((r, i) => waitFor(i % 2 ? a2 : a1, (f) => f.type === 'ack' && f.refId === r)));
    const seqs = [...a1.frames, ...a2.frames].filter((f) => f.type === 'ack').map((f) => f.payload.seq as number);
    expect([...seqs].sort((x, y) => x - y)).toEqual(range(1, 30));
    for (const c of [a1, a2]) {
      const own = c.frames.filter((f) => f.type === 'ack').map((f) => f.payload.seq as number);
      expect(own).toEqual([...own].sort((x, y) => x - y));
    }
    expect((await history(id)).map((m) => m.seq)).toEqual(range(1, 30));
  });

  it('replays on resume {afterSeq} in order before live messages: no gap, no duplicate at the seam', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    for (let i = 1; i <= 30; i++) await post(a, `before ${i}`);

    // Hold the replay's first page until live messages have been stored and published
    // meanwhile, so the seam really is crossed: some are in the page and also published,
    // others come after it. Only the history read is delayed, nothing is faked.
    let first = true;
    const { release, spy } = holdCalls(t.app.get(ConversationsService), 'messagesAfter', () => { const hold = first; first = false; return hold; });
    try {
      const b = await ready(id, bob);
      b.send('resume', { afterSeq: 10 });
      const refIds = Array.from({ length: 30 }, (_, i) => a.send('chat_message', { content: `during ${i}` }));
      await waitFor(a, (f) => f.type === 'ack' && f.refId === refIds[9]);
      expect(spy).toHaveBeenCalledTimes(1);
      release();
      await Promise.all(refIds.map((r) => waitFor(a, (f) => f.type === 'ack' && f.refId === r)));
      await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 60);
      // A late duplicate could still be on its way: a marker after it settles the count.
      const marker = await post(a, 'marker');
      await waitFor(b, (f) => f.type === 'chat_message' && f.payload.messageId === marker.payload.messageId);

      expect(chatSeqs(b)).toEqual(range(11, 61));
      expect(b.frames.some((f) => f.type === 'error')).toBe(false);
    } finally {
      release();
      spy.mockRestore();
    }
  });

  it('does not deliver again a message the replay already sent when its publish lands after the replay', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    for (let i = 1; i <= 5; i++) await post(a, `before ${i}`);

    // Commit and publish are two steps (scaled out, the publish even crosses Redis): let
    // every publish lag behind its commit, so the replay reads messages not yet published.
    const delivery = t.app.get(ChatDeliveryService);
    const publish = delivery.publish.bind(delivery);
    const lagging: Array<Promise<void>> = [];
    const spy = jest.spyOn(delivery, 'publish').mockImplementation((m) => {
      lagging.push(new Promise((done) => setTimeout(() => { publish(m); done(); }, 100)));
    });
    try {
      const b = await ready(id, bob);
      const more = Array.from({ length: 5 }, (_, i) => a.send('chat_message', { content: `late ${i}` }));
      await Promise.all(more.map((r) => waitFor(a, (f) => f.type === 'ack' && f.refId === r)));
      b.send('resume', { afterSeq: 2 });
      await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 10);
      spy.mockRestore();
      expect(lagging).toHaveLength(5);
      await Promise.all(lagging);
      const marker = await post(a, 'marker');
      await waitFor(b, (f) => f.type === 'chat_message' && f.payload.messageId === marker.payload.messageId);
      expect(chatSeqs(b)).toEqual(range(3, 11));
    } finally {
      spy.mockRestore();
    }
  });

  it('resume after the latest seq replays nothing and live messages keep flowing', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    for (let i = 1; i <= 3; i++) await post(a, `m${i}`);
    const b = await ready(id, bob);
    b.send('resume', { afterSeq: 3 });
    await post(a, 'live');
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 4);
    expect(chatSeqs(b)).toEqual([4]);
  });

  it('a resume sent after live messages arrived replays only what came before them, never a duplicate', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    for (let i = 1; i <= 3; i++) await post(a, `before ${i}`);
    const b = await ready(id, bob);
    await post(a, 'live 4');
    await post(a, 'live 5');
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 5);
    b.send('resume', { afterSeq: 0 });
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 3);
    await post(a, 'live 6');
    await waitFor(b, (f) => f.type === 'chat_message' && f.payload.seq === 6);
    expect(chatSeqs(b).sort((x, y) => x - y)).toEqual(range(1, 6));
  });

  it('delivers a message stored between ready and the end of a slow ownership check, and nothing to a socket that fails it', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    const conversations = t.app.get(ConversationsService);
    const access = conversations.access.bind(conversations);
    const spy = jest.spyOn(conversations, 'access').mockImplementation(async (c, u) => {
      await new Promise((r) => setTimeout(r, 300));
      return access(c, u);
    });
    try {
      const b = connect(id, bob);
      const intruder = connect(id, outsider);
      await Promise.all([b.next('ready'), intruder.next('ready')]);
      const sent = await post(a, 'during the check');
      const got = await waitFor(b, (f) => f.type === 'chat_message' && f.payload.messageId === sent.payload.messageId);
      expect(got.payload.content).toBe('during the check');
      const closed = await intruder.closedWithin();
      expect(closed.code).toBe(4003);
      expect(intruder.frames.map((f) => f.type)).toEqual(['ready', 'error']);
    } finally {
      spy.mockRestore();
    }
  });

  it('a resume sent during a slow ownership check replays before a message stored meanwhile: seqs strictly increasing', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    for (let i = 1; i <= 5; i++) await post(a, `before ${i}`);
    const { release, spy } = holdCalls(t.app.get(ConversationsService), 'access', (_conversationId, userId) => userId === bob.id);
    const holds = jest.spyOn(t.app.get(ChatDeliveryService), 'holdForResume');
    try {
      const b = connect(id, bob);
      await b.next('ready');
      // Stored while bob's ownership check waits: held for his socket, not yet sent.
      const during = await post(a, 'during the check');
      b.send('resume', { afterSeq: 0 });
      await waitForCondition(() => holds.mock.calls.length > 0);
      release();
      await waitFor(b, (f) => f.type === 'chat_message' && f.payload.messageId === during.payload.messageId);
      expect(chatSeqs(b)).toEqual(range(1, 6));
      expect(b.frames.some((f) => f.type === 'error')).toBe(false);
    } finally {
      release();
      spy.mockRestore();
      holds.mockRestore();
    }
  });

  it('fans a burst out to a room larger than one slice: every socket gets every message once, in seq order', async () => {
    const id = await newConversation();
    const room = await Promise.all(Array.from({ length: 300 }, () => ready(id, bob)));
    const a = await ready(id, alice);
    // Sent without waiting: they commit in batches, and what arrives during a pass over the room goes out in the next one, together.
    const n = 40;
    for (let i = 0; i < n; i++) a.send('chat_message', { content: `burst ${i}` });
    for (const c of room) await waitForCondition(() => chatSeqs(c).length >= n);
    for (const c of room) expect(chatSeqs(c)).toEqual(range(1, n));
    expect(chatSeqs(a)).toEqual(range(1, n));
  });

  it('closes 4003 for a non-member, after ready', async () => {
    const id = await newConversation();
    const c = connect(id, outsider);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4003);
    expect(c.frames.map((f) => f.type)).toEqual(['ready', 'error']);
    expect(closed.error?.payload).toMatchObject({ code: 'FORBIDDEN', closeCode: 4003 });
  });

  it('closes 4004 for an unknown conversation', async () => {
    const c = connect(randomUUID(), alice);
    const closed = await c.closedWithin();
    expect(closed.code).toBe(4004);
    expect(closed.error?.payload).toMatchObject({ code: 'NOT_FOUND', closeCode: 4004 });
  });

  it('answers content of 4001 characters with error BAD_REQUEST, stores nothing, and stays open', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    const refId = a.send('chat_message', { content: 'x'.repeat(4001) });
    const err = await a.next('error');
    expect(err.payload).toMatchObject({ code: 'BAD_REQUEST', refId });
    expect(err.payload.message).toContain('content');
    expect(err.payload.closeCode).toBeUndefined();
    await expectAlive(a);
    expect(await history(id)).toEqual([]);
    // 4000 is the limit, counted in characters: 4000 emoji are accepted.
    const ok = await post(a, '😀'.repeat(4000));
    expect(ok.payload.seq).toBe(1);
    const empty = a.send('chat_message', { content: '' });
    expect((await waitFor(a, (f) => f.type === 'error' && f.refId === empty)).payload.code).toBe('BAD_REQUEST');
  });

  it('answers malformed JSON and an unknown type with BAD_REQUEST and stays open', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    a.ws.send('{"type": "chat_message", ');
    const bad = await a.next('error');
    expect(bad.payload).toMatchObject({ code: 'BAD_REQUEST' });
    const unknownId = a.send('shout', { content: 'hi' });
    const unknown = await a.next('error');
    expect(unknown.payload).toMatchObject({ code: 'BAD_REQUEST', refId: unknownId });
    expect(unknown.refId).toBe(unknownId);
    await expectAlive(a);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
  });

  it('answers a frame whose id, timestamp or payload breaks the envelope with BAD_REQUEST naming the field, stores nothing, and stays open', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    a.ws.send(JSON.stringify({ type: 'chat_message', id: 'x'.repeat(129), timestamp: new Date().toISOString(), payload: { content: 'long id' } }));
    expect((await a.next('error')).payload).toMatchObject({ code: 'BAD_REQUEST', message: 'id: invalid (isLength)' });
    a.ws.send(JSON.stringify({ type: 'chat_message', id: 'bad-ts', timestamp: 'yesterday', payload: { content: 'bad timestamp' } }));
    const badTimestamp = await a.next('error');
    expect(badTimestamp.payload).toMatchObject({ code: 'BAD_REQUEST', message: 'timestamp: invalid (isIso8601)', refId: 'bad-ts' });
    a.ws.send(JSON.stringify({ type: 'chat_message', id: 'bad-payload', timestamp: new Date().toISOString(), payload: ['array'] }));
    expect((await a.next('error')).payload).toMatchObject({ code: 'BAD_REQUEST', message: 'payload: invalid (isObject)', refId: 'bad-payload' });
    await expectAlive(a);
    expect(a.ws.readyState).toBe(a.ws.OPEN);
    expect(await history(id)).toEqual([]);
  });

  it('counts every kind of bad frame against one budget: a bad payload, an unknown type, a binary frame, bad JSON', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    a.send('chat_message', { content: 42 });
    a.send('no_such_type', {});
    a.ws.send(Buffer.from([1, 2, 3]));
    for (let i = 0; i < 3; i++) expect((await a.next('error')).payload.code).toBe('BAD_REQUEST');
    await expectAlive(a);
    a.ws.send('not json');
    expect((await a.closedWithin()).code).toBe(1008);
  });

  it('closes 1008 after more than WS_MAX_PROTOCOL_ERRORS (3) bad frames in a minute', async () => {
    const id = await newConversation();
    const a = await ready(id, alice);
    for (let i = 0; i < 3; i++) a.ws.send('not json');
    for (let i = 0; i < 3; i++) expect((await a.next('error')).payload.code).toBe('BAD_REQUEST');
    await expectAlive(a);
    a.ws.send('not json');
    const closed = await a.closedWithin();
    expect(closed.code).toBe(1008);
    expect(closed.error?.payload).toMatchObject({ code: 'TOO_MANY_PROTOCOL_ERRORS', closeCode: 1008 });
    expect(a.frames.filter((f) => f.type === 'error').map((f) => f.payload.code)).toEqual([
      'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_REQUEST', 'TOO_MANY_PROTOCOL_ERRORS',
    ]);
  });
});
