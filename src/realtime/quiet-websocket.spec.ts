import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { endQuietly, MAX_PENDING_AUTO_PONGS, QuietWebSocket } from './quiet-websocket';

/** A Writable whose own `end` (what endQuietly falls back to) counts its calls; with `hold`, no write ever completes. */
class Probe extends Writable {
  calls = 0;
  events: string[] = [];
  constructor(private readonly hold = false) {
    super();
    for (const e of ['finish', 'close', 'error']) this.on(e, () => this.events.push(e));
  }
  override _write(_chunk: unknown, _enc: string, cb: () => void): void {
    if (!this.hold) cb();
  }
  override end(...args: unknown[]): this {
    this.calls++;
    return super.end(...(args as [])) as this;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const state = (w: Writable) => ({ ended: w.writableEnded, finished: w.writableFinished, destroyed: w.destroyed, corked: w.writableCorked });

/** The same steps on two probes, one ended by Node's end and one by endQuietly; what each left behind. */
async function both(setup: (w: Probe) => Promise<void> | void, call: (end: (...a: unknown[]) => unknown, w: Probe) => unknown, hold = false) {
  const out = [];
  for (const quiet of [false, true]) {
    const w = new Probe(hold);
    await setup(w);
    w.calls = 0;
    const end = quiet ? (...a: unknown[]) => endQuietly.apply(w, a) : (...a: unknown[]) => w.end(...a);
    const returned = call(end, w);
    await tick();
    out.push({ returnedSelf: returned === w, calls: w.calls, state: state(w), events: [...w.events] });
  }
  return { node: out[0], quiet: out[1] };
}

const finished = async (w: Probe) => { w.end(); await once(w, 'finish'); };

describe('endQuietly', () => {
  it('answers end() on a finished stream itself: the stream is left as Node leaves it, and Node (which builds the dropped error) is not called', async () => {
    const { node, quiet } = await both(finished, (end) => end());
    expect(quiet).toEqual({ ...node, calls: 0 });
    expect(node.calls).toBe(1);
    expect(quiet.state).toMatchObject({ ended: true, finished: true, corked: 0 });
  });

  it('does the same for a stream destroyed after it was ended', async () => {
    const { node, quiet } = await both(async (w) => { w.write('x'); w.end(); w.destroy(); await once(w, 'close'); }, (end) => end(), true);
    expect(quiet).toEqual({ ...node, calls: 0 });
    expect(quiet.state.destroyed).toBe(true);
  });

  it('leaves every other call to Node: a live stream ends, data is written, a callback gets Node\'s error', async () => {
    const fresh = await both(() => undefined, (end) => end());
    expect(fresh.quiet).toEqual(fresh.node);
    expect(fresh.quiet.calls).toBe(1);
    expect(fresh.quiet.events).toContain('finish');

    const withData = await both(() => undefined, (end) => end('last'));
    expect(withData.quiet).toEqual(withData.node);
    expect(withData.quiet.calls).toBe(1);

    const codes: Array<string | undefined> = [];
    const withCallback = await both(finished, (end) => end((err?: NodeJS.ErrnoException) => codes.push(err?.code)));
    await tick();
    expect(withCallback.quiet).toEqual(withCallback.node);
    expect(withCallback.quiet.calls).toBe(1);
    expect(codes).toEqual(['ERR_STREAM_ALREADY_FINISHED', 'ERR_STREAM_ALREADY_FINISHED']);
  });

  it('leaves a stream that is ending but not yet finished, or corked, to Node', async () => {
    const ending = await both((w) => { w.write('x'); w.end(); }, (end) => end(), true);
    expect(ending.quiet).toEqual(ending.node);
    expect(ending.quiet.calls).toBe(1);
    expect(ending.quiet.state).toMatchObject({ ended: true, finished: false });

    const corked = await both(async (w) => { await finished(w); w.cork(); }, (end) => end());
    expect(corked.quiet).toEqual(corked.node);
    expect(corked.quiet.calls).toBe(1);
    expect(corked.quiet.state.corked).toBe(0);
  });
});

describe('QuietWebSocket', () => {
  let http: Server;
  let wss: WebSocketServer;
  let url: string;
  const accepted: WebSocket[] = [];

  beforeAll(async () => {
    http = createServer();
    wss = new WebSocketServer({ noServer: true, WebSocket: QuietWebSocket });
    http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
      accepted.push(ws);
      ws.on('message', (data) => ws.send(`echo ${String(data)}`));
    }));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    wss.close();
    http.close();
  });

  async function connect(): Promise<{ client: WebSocket; server: WebSocket }> {
    const client = new WebSocket(url);
    await once(client, 'open');
    while (accepted.length === 0) await tick();
    return { client, server: accepted.shift()! };
  }

  it('is the server side of every socket; its TCP socket and frame receiver end quietly once it closes, and not before', async () => {
    for (const closer of ['client', 'server'] as const) {
      const { client, server } = await connect();
      expect(server).toBeInstanceOf(QuietWebSocket);
      const { _socket: socket, _receiver: receiver } = server as unknown as { _socket: Writable; _receiver: Writable };
      // Nothing of its own while open (memory kept per socket).
      expect(Object.prototype.hasOwnProperty.call(socket, 'end')).toBe(false);
      expect(Object.prototype.hasOwnProperty.call(receiver, 'end')).toBe(false);
      const closed = Promise.all([once(server, 'close'), once(client, 'close')]);
      if (closer === 'client') client.close();
      else server.close();
      await closed;
      expect(socket.end).toBe(endQuietly);
      expect(receiver.end).toBe(endQuietly);
    }
  });

  it('carries frames and both closing handshakes as ws does', async () => {
    const a = await connect();
    a.client.send('hello');
    const [reply] = await once(a.client, 'message');
    expect(String(reply)).toBe('echo hello');
    // The peer closes: the path where ws ends finished streams again.
    const serverClosed = once(a.server, 'close');
    a.client.close(1000, 'bye');
    const [code, reason] = await serverClosed;
    expect([code, String(reason)]).toEqual([1000, 'bye']);
    await once(a.client, 'close');
    expect(a.server.readyState).toBe(WebSocket.CLOSED);

    // The server closes.
    const b = await connect();
    const clientClosed = once(b.client, 'close');
    b.server.close(4001, 'token_expired');
    const [code2, reason2] = await clientClosed;
    expect([code2, String(reason2)]).toEqual([4001, 'token_expired']);
    await once(b.server, 'close');
  });

  it('keeps EventEmitter semantics with its declared listener table', async () => {
    const { client, server } = await connect();
    const heard: string[] = [];
    // The table's own keys start empty: nothing is listened to until a listener is added.
    expect(server.listenerCount('message')).toBe(1);
    expect(server.listenerCount('pong')).toBe(0);
    const onPong = (): void => void heard.push('pong');
    server.on('pong', onPong);
    server.once('pong', () => heard.push('pong once'));
    server.emit('pong');
    server.emit('pong');
    expect(heard).toEqual(['pong', 'pong once', 'pong']);
    server.off('pong', onPong);
    expect(server.emit('pong')).toBe(false);
    // No prototype behind the table: an event named like an Object method has no listener.
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      expect(server.listenerCount(name)).toBe(0);
      expect(server.emit(name)).toBe(false);
    }
    // An `error` with no listener still throws, as EventEmitter's does.
    expect(() => server.emit('error', new Error('unheard'))).toThrow('unheard');
    server.on('error', (err: Error) => heard.push(err.message));
    server.emit('error', new Error('heard'));
    expect(heard.at(-1)).toBe('heard');
    const closed = once(client, 'close');
    server.close();
    await closed;
  });
});

describe('QuietWebSocket: pings and what a closed socket keeps', () => {
  let http: Server;
  let url: string;
  const accepted: WebSocket[] = [];
  /** As the adapter makes it: ws answers no ping, QuietWebSocket does; and a plain ws server socket beside it, to compare with. */
  const servers = {
    quiet: new WebSocketServer({ noServer: true, WebSocket: QuietWebSocket, autoPong: false }),
    wsOwn: new WebSocketServer({ noServer: true, WebSocket: QuietWebSocket }),
    plain: new WebSocketServer({ noServer: true }),
  };

  beforeAll(async () => {
    http = createServer();
    http.on('upgrade', (req, socket, head) => {
      const which = (req.url ?? '/').slice(1) as keyof typeof servers;
      servers[which].handleUpgrade(req, socket, head, (ws) => accepted.push(ws));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of Object.values(servers)) s.close();
    http.close();
  });

  async function connect(which: keyof typeof servers): Promise<{ client: WebSocket; server: WebSocket }> {
    const client = new WebSocket(`${url}/${which}`);
    await once(client, 'open');
    while (accepted.length === 0) await tick();
    return { client, server: accepted.shift()! };
  }

  const internals = (ws: WebSocket) => ws as unknown as { _socket: unknown; _receiver: Record<symbol, unknown> | null; _sender: unknown; _closeTimer: unknown; _pendingAutoPongs: number };

  it('answers a ping with its payload, as ws does, with no closure kept per socket', async () => {
    for (const which of ['quiet', 'wsOwn'] as const) {
      const { client, server } = await connect(which);
      const heard: string[] = [];
      server.on('ping', (data: Buffer) => heard.push(String(data)));
      client.ping('are you there');
      const [payload] = await once(client, 'pong');
      expect(String(payload)).toBe('are you there');
      expect(heard).toEqual(['are you there']);
      // The pong was written: nothing left pending.
      while (internals(server)._pendingAutoPongs !== 0) await tick();
      // ws's own autoPong keeps a closure on the socket; made for the adapter (autoPong: false), there is none.
      expect(Object.prototype.hasOwnProperty.call(server, '_autoPongComplete')).toBe(which === 'wsOwn');
      const closed = once(client, 'close');
      server.close();
      await closed;
    }
  });

  it('cuts a peer with as many pongs unsent as ws allows, as ws does', async () => {
    const { client, server } = await connect('quiet');
    internals(server)._pendingAutoPongs = MAX_PENDING_AUTO_PONGS;
    const closed = once(client, 'close');
    client.ping('one too many');
    const [code] = await closed;
    expect(code).toBe(1006);
    expect(server.readyState).toBe(WebSocket.CLOSED);
  });

  it('once closed, lets go of its TCP socket, receiver, sender and close timer, and its receiver of it', async () => {
    for (const closer of ['client', 'server'] as const) {
      const { client, server } = await connect('quiet');
      const receiver = internals(server)._receiver!;
      expect(Object.getOwnPropertySymbols(receiver).some((k) => receiver[k] === server)).toBe(true);
      // Its own `close` listeners still see the parts; they go after.
      let seenInClose: unknown;
      server.on('close', () => { seenInClose = internals(server)._socket; });
      const closed = Promise.all([once(server, 'close'), once(client, 'close')]);
      if (closer === 'client') client.close();
      else server.close();
      await closed;
      expect(seenInClose).not.toBeNull();
      const after = internals(server);
      expect([after._socket, after._receiver, after._sender, after._closeTimer]).toEqual([null, null, null, null]);
      expect(Object.getOwnPropertySymbols(receiver).some((k) => receiver[k] === server)).toBe(false);
    }
  });

  it('after its close, answers send, ping, close, terminate and bufferedAmount as a ws server socket does', async () => {
    const outcome = async (which: 'quiet' | 'plain') => {
      const { client, server } = await connect(which);
      const closed = Promise.all([once(server, 'close'), once(client, 'close')]);
      client.close(1000);
      await closed;
      const before = server.bufferedAmount;
      const errors: string[] = [];
      server.send('late', (err) => errors.push(String(err?.message)));
      server.ping('late ping', undefined, (err) => errors.push(String(err?.message)));
      server.close(1000);
      server.terminate();
      server.pause();
      server.resume();
      await tick();
      return { before, after: server.bufferedAmount, errors, readyState: server.readyState };
    };
    const quiet = await outcome('quiet');
    expect(quiet).toEqual(await outcome('plain'));
    expect(quiet.after).toBe(quiet.before + 'late'.length + 'late ping'.length);
    expect(quiet.errors).toHaveLength(2);
  });
});
