import fc from 'fast-check';
import { CLOSE, ERROR } from '../src/realtime/close-codes';
import { createUser, TestUser } from './helpers/factories';
import { MARKER, WireFrame, wireFrame } from './helpers/frame-arbitraries';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer, connectReady, waitFrame } from './helpers/ws-assertions';
import { Frame, WsTestClient } from './helpers/ws-client';

/**
 * Generated frames (fast-check, a bounded number of runs) through a real
 * socket to the real app, before and after authentication (issue 12). Whatever
 * arrives: never a 1011, nothing acted on before authentication (no message
 * stored, no pong, no ready), every error frame a documented code that echoes
 * nothing, and the socket either stays open or closes with a documented code.
 */
const MAX_PAYLOAD = 1024;
const RUNS = { numRuns: 60 };
const ERROR_CODES = new Set<string>([...Object.values(CLOSE).map((c) => c.error), ERROR.BAD_REQUEST]);
/** What may end a socket that never authenticated: bad first frame, too large, bad credential, too many failures. */
const PRE_AUTH_CLOSES = [1008, 1009, 4001, 4029];
/** ...and an authenticated one: also too many protocol errors (1008) and an in-band auth with a bad token (4001). */
const POST_AUTH_CLOSES = [1008, 1009, 4001];

describe('fuzzed frames through a real socket (e2e)', () => {
  jest.setTimeout(120_000);
  let t: TestApp;
  let owner: TestUser;
  let conversationId: string;
  const sequences = fc.array(wireFrame(MAX_PAYLOAD + 1), { minLength: 1, maxLength: 6 });

  const url = () => `${t.wsUrl}/ws/conversations/${conversationId}`;
  const lastSeq = async () =>
    (await t.http().get(`/v1/conversations/${conversationId}`).set(bearer(owner.accessToken)).expect(200)).body.lastSeq as number;
  const send = (c: WsTestClient, f: WireFrame) => (('binary' in f) ? c.ws.send(f.binary, { binary: true }) : c.ws.send(f.text));
  const expectDocumentedErrors = (frames: Frame[]) => {
    for (const f of frames.filter((x) => x.type === 'error')) {
      expect(ERROR_CODES).toContain(f.payload.code);
      // refId answers the client's own frame id by design; the message must never carry what the client sent.
      expect(f.payload.message).not.toContain(MARKER);
    }
  };

  beforeAll(async () => {
    // Per-address failure limits off: every run comes from 127.0.0.1, and a 4029 would hide what the frame itself caused.
    t = await startTestApp({ WS_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD), WS_AUTH_FAILURES_PER_MINUTE: '100000' });
    owner = await createUser(t);
    conversationId = (await t.http().post('/v1/conversations').set(bearer(owner.accessToken)).send({ title: 'fuzz' }).expect(201)).body.id;
  });
  afterAll(async () => { await t?.close(); });

  /** Sends the frames on a socket that never authenticates: it must close as documented, having answered nothing but errors. */
  const neverActedOn = async (frames: WireFrame[], headers?: Record<string, string>) => {
    const c = WsTestClient.connect(url(), { headers });
    await c.opened;
    for (const f of frames) send(c, f);
    const closed = await c.closedWithin(5000);
    expect(PRE_AUTH_CLOSES).toContain(closed.code);
    expect(c.frames.map((f) => f.type).filter((type) => type !== 'error')).toEqual([]);
    expectDocumentedErrors(c.frames);
  };

  it('before authentication (first-frame auth): nothing is acted on, and the close is documented, never 1011', async () => {
    await fc.assert(fc.asyncProperty(sequences, (frames) => neverActedOn(frames)), RUNS);
    expect(await lastSeq()).toBe(0);
  });

  it('behind a bad handshake credential: frames sent at once wait for the verdict and are never acted on', async () => {
    const printable = fc.string({ minLength: 1, maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')).filter((s) => s.trim().length > 0);
    const badToken = fc.oneof(printable, fc.constant(`${owner.accessToken}x`));
    await fc.assert(fc.asyncProperty(badToken, sequences, (token, frames) => neverActedOn(frames, { Authorization: `Bearer ${token}` })), RUNS);
    expect(await lastSeq()).toBe(0);
  });

  it('after authentication: the socket answers a ping after any frames, or closes with a documented code, never 1011', async () => {
    await fc.assert(fc.asyncProperty(sequences, async (frames) => {
      const { c } = await connectReady(url(), owner.accessToken);
      for (const f of frames) send(c, f);
      const probe = c.send('ping', {});
      const answered = await waitFrame(c, (f) => f.type === 'pong' && f.refId === probe).then(() => true, () => false);
      if (!answered) expect(POST_AUTH_CLOSES).toContain((await c.closedWithin(5000)).code);
      expectDocumentedErrors(c.frames);
      c.close();
      await c.closed;
    }), RUNS);
  });

  it('replays what the frame property test found: a field that broke a validator\'s message gets BAD_REQUEST and the socket stays open', async () => {
    const stored = await lastSeq();
    const { c } = await connectReady(url(), owner.accessToken);
    const hostile = { length: { toString: '' } };
    c.ws.send(JSON.stringify({ type: 'ping', id: hostile, timestamp: new Date().toISOString(), payload: {} }));
    c.ws.send(JSON.stringify({ type: 'chat_message', id: 'h1', timestamp: new Date().toISOString(), payload: { content: hostile } }));
    const errors = [await waitFrame(c, (f) => f.type === 'error'), await waitFrame(c, (f) => f.type === 'error' && f.refId === 'h1')];
    expect(errors.map((f) => f.payload.code)).toEqual([ERROR.BAD_REQUEST, ERROR.BAD_REQUEST]);
    const probe = c.send('ping', {});
    await waitFrame(c, (f) => f.type === 'pong' && f.refId === probe);
    expect(await lastSeq()).toBe(stored);
    c.close();
    await c.closed;
  });
});
