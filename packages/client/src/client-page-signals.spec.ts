import { PortcullisClient } from './client';
import type { ClientOptions, StateChange, WebSocketConstructor } from './types';
import { CountingTarget } from './page-target.spec-helper';

/** A socket the test plays the server for. */
class FakeSocket {
  static opened: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason?: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  constructor() {
    FakeSocket.opened.push(this);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data).type);
  }
  close(): void {
    this.readyState = 3;
  }
  /** The upgrade succeeds and the server says `ready`. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
    this.frame('ready', { sessionId: 's', userId: 'u', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), resource: {} });
  }
  frame(type: string, payload: unknown = {}): void {
    this.onmessage?.({ data: JSON.stringify({ type, id: 'srv', timestamp: new Date().toISOString(), payload }) });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('PortcullisClient and the page\'s signals', () => {
  const g = globalThis as Record<string, unknown>;
  let page: CountingTarget;
  let doc: CountingTarget;
  let states: string[];

  beforeEach(() => {
    jest.useFakeTimers();
    FakeSocket.opened = [];
    page = new CountingTarget();
    doc = new CountingTarget();
    g.addEventListener = page.addEventListener.bind(page);
    g.removeEventListener = page.removeEventListener.bind(page);
    g.document = doc;
    states = [];
  });
  afterEach(() => {
    delete g.addEventListener;
    delete g.removeEventListener;
    delete g.document;
    jest.useRealTimers();
  });

  function client(options: Partial<ClientOptions> = {}): PortcullisClient {
    const c = new PortcullisClient({
      url: 'ws://server.test/ws/conversations/c', getToken: () => 'token', WebSocket: FakeSocket as unknown as WebSocketConstructor,
      auth: 'header', crossTabRefresh: false, liveness: { idleMs: 60_000, pongTimeoutMs: 300 }, ...options,
    });
    c.on('state', (s: StateChange) => states.push(`${s.state} ${s.reason}`));
    return c;
  }
  async function connected(c: PortcullisClient): Promise<FakeSocket> {
    c.connect();
    await flush();
    const socket = FakeSocket.opened[FakeSocket.opened.length - 1];
    socket.accept();
    expect(c.state).toBe('ready');
    return socket;
  }
  const online = () => page.dispatchEvent(new Event('online'));
  const show = (state: string) => {
    doc.visibilityState = state;
    doc.dispatchEvent(new Event('visibilitychange'));
  };

  it('holds no listener before connect() or after close()', async () => {
    const c = client();
    expect(page.listeners + doc.listeners).toBe(0);
    await connected(c);
    expect([page.listeners, doc.listeners]).toEqual([1, 1]);
    c.close();
    expect(page.listeners + doc.listeners).toBe(0);
  });

  it('lets go of its listeners when the server closes it for good, and takes them again on connect()', async () => {
    const c = client();
    const socket = await connected(c);
    socket.frame('error', { code: 'FORBIDDEN', message: 'not yours', closeCode: 4003 });
    socket.drop(4003);
    expect(c.state).toBe('closed');
    expect(page.listeners + doc.listeners).toBe(0);
    await connected(c);
    expect([page.listeners, doc.listeners]).toEqual([1, 1]);
    c.close();
  });

  it('ready: `online` pings at once, and a socket that does not answer is dropped after pongTimeoutMs, not idleMs', async () => {
    const c = client();
    const socket = await connected(c);
    socket.sent.length = 0;
    online();
    expect(socket.sent).toEqual(['ping']);
    jest.advanceTimersByTime(299);
    expect(c.state).toBe('ready');
    jest.advanceTimersByTime(1);
    expect(c.state).toBe('reconnecting');
    expect(states).toContain('reconnecting no answer to ping within 300 ms');
    c.close();
  });

  it('ready: a return to `visible` pings too, a change to `hidden` does not, and an answer keeps the socket', async () => {
    const c = client();
    const socket = await connected(c);
    socket.sent.length = 0;
    show('hidden');
    expect(socket.sent).toEqual([]);
    show('visible');
    expect(socket.sent).toEqual(['ping']);
    jest.advanceTimersByTime(50);
    socket.frame('pong');
    jest.advanceTimersByTime(10_000);
    expect([c.state, FakeSocket.opened.length]).toEqual(['ready', 1]);
    c.close();
  });

  it('liveness: false: no ping on either signal', async () => {
    const c = client({ liveness: false });
    const socket = await connected(c);
    socket.sent.length = 0;
    online();
    show('visible');
    jest.advanceTimersByTime(60_000);
    expect([socket.sent, c.state]).toEqual([[], 'ready']);
    c.close();
  });

  describe.each([
    ['with the watchdog', { idleMs: 60_000, pongTimeoutMs: 300 }],
    ['with liveness: false', false as const],
  ])('reconnecting, %s', (_name, liveness) => {
    it('`online` brings the next attempt forward, within a second, and not twice in a row', async () => {
      const c = client({ liveness, backoff: { initialMs: 60_000, maxMs: 60_000, random: () => 0.5 } });
      (await connected(c)).drop();
      expect(states[states.length - 1]).toBe('reconnecting close 1006'); // a 30 s wait
      online();
      jest.advanceTimersByTime(499);
      expect(FakeSocket.opened).toHaveLength(1);
      jest.advanceTimersByTime(1); // 0.5 × 1000 ms
      await flush();
      expect(FakeSocket.opened).toHaveLength(2);
      expect(states[states.length - 1]).toBe('connecting network online');

      FakeSocket.opened[1].drop(); // the network was not really back: the next wait runs its length
      expect(c.state).toBe('reconnecting');
      online();
      jest.advanceTimersByTime(29_999);
      await flush();
      expect(FakeSocket.opened).toHaveLength(2);
      jest.advanceTimersByTime(1);
      await flush();
      expect(FakeSocket.opened).toHaveLength(3);
      expect(states[states.length - 1]).toBe('connecting close 1006');

      FakeSocket.opened[2].drop(); // and the wait after that may be cut short again
      online();
      jest.advanceTimersByTime(500);
      await flush();
      FakeSocket.opened[3].accept();
      expect(c.state).toBe('ready');
      expect(states.filter((s) => s.startsWith('connecting'))).toEqual(['connecting connect', 'connecting network online', 'connecting close 1006', 'connecting network online']);
      c.close();
    });
  });

  it('`visible` does not cut a backoff wait short', async () => {
    const c = client({ backoff: { initialMs: 60_000, maxMs: 60_000, random: () => 0.5 } });
    (await connected(c)).drop();
    show('visible');
    jest.advanceTimersByTime(29_999);
    await flush();
    expect(FakeSocket.opened).toHaveLength(1);
    c.close();
  });
});
