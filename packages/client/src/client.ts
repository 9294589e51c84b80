import { resolveBackoff } from './backoff.js';
import { ConnectionLoop, LoopHost } from './connection-loop.js';
import { browserCrossTab } from './cross-tab.js';
import { Emitter } from './emitter.js';
import { ClientClosedError, FrameRejectedError, PortcullisError } from './errors.js';
import { InboundFrame, makeFrame } from './frames.js';
import { resolveLiveness } from './liveness.js';
import { Outbox } from './outbox.js';
import { browserPageTargets, PageSignals } from './page-signals.js';
import { CLOSE, ServerFrames } from './protocol.generated.js';
import { SeqOrder } from './seq-order.js';
import { defaultGetTicket, initialMode, isBrowser } from './socket-factory.js';
import { TokenManager } from './tokens.js';
import type { Ack, ClientEvents, ClientOptions, ClientState, CloseInfo, Logger, StateChange, WebSocketConstructor } from './types.js';

/**
 * One authenticated socket to one Portcullis endpoint, kept alive: it never
 * opens a socket without a token, answers `auth_required` in-band, follows
 * the server's close-code table (reconnect, refresh, or stop with a typed
 * error), queues frames until `ready`, and resumes chat without gaps or
 * duplicates. The socket's life itself is ConnectionLoop's; this class is
 * the API and what frames mean.
 */
export class PortcullisClient {
  private current: ClientState = 'idle';
  private failure: PortcullisError | undefined;
  private readyInfo: ServerFrames['ready'] | undefined;
  private readonly events: Emitter<ClientEvents>;
  private readonly outbox = new Outbox();
  private readonly chatOrder: SeqOrder<ServerFrames['chat_message']>;
  // Reflection chunks count from 1 on every stream: after a reconnect the replayed start is dropped.
  private readonly chunkOrder = new SeqOrder<ServerFrames['reflection_chunk']>(0);
  private readonly log: Logger;
  private readonly loop: ConnectionLoop;
  private readonly pageSignals: PageSignals;

  constructor(options: ClientOptions) {
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('PortcullisClient: no WebSocket here; pass one, e.g. { WebSocket } from the "ws" package');
    this.log = options.logger ?? {};
    this.events = new Emitter((err) => this.log.error?.('a listener threw', { error: String(err) }));
    this.chatOrder = new SeqOrder(options.afterSeq ?? 0);
    const auth = options.auth ?? 'auto';
    // A page's WebSocket cannot carry headers: the server would see no credential and wait for an auth frame.
    if (auth === 'header' && isBrowser()) this.log.warn?.("auth 'header' cannot work in a browser; use 'auto' or 'subprotocol'");
    const crossTab = options.crossTabRefresh === false ? null : browserCrossTab();
    this.loop = new ConnectionLoop(this.host(), {
      WS, url: options.url, auth, initialMode: initialMode(auth), log: this.log,
      tokens: new TokenManager(options.getToken, options.refreshToken, crossTab),
      getTicket: options.getTicket ?? defaultGetTicket(options.url),
      backoff: resolveBackoff(options.backoff),
      liveness: resolveLiveness(options.liveness),
    });
    this.pageSignals = new PageSignals(browserPageTargets(), (signal) => this.loop.pageSignal(signal));
  }

  get state(): ClientState {
    return this.current;
  }

  /** Why the client is `closed`, when an error closed it. */
  get error(): PortcullisError | undefined {
    return this.failure;
  }

  /** The last `ready` payload (session, user, resource). */
  get session(): ServerFrames['ready'] | undefined {
    return this.readyInfo;
  }

  /** Conversations: the highest seq delivered in order so far. */
  get lastSeq(): number | undefined {
    return this.chatOrder.mark;
  }

  on<K extends keyof ClientEvents>(event: K, fn: (value: ClientEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  off<K extends keyof ClientEvents>(event: K, fn: (value: ClientEvents[K]) => void): void {
    this.events.off(event, fn);
  }

  connect(): void {
    if (this.current !== 'idle' && this.current !== 'closed') return;
    this.failure = undefined;
    this.pageSignals.start();
    this.loop.start('connect');
  }

  close(): void {
    if (this.current === 'closed') return;
    this.loop.stop();
    this.stopped(new ClientClosedError('CLIENT_CLOSED', 'the client was closed'), undefined, 'client closed');
  }

  /** Sends a frame now if ready, else after `ready`, in order. Never throws; returns the frame id. */
  send(type: string, payload: unknown = {}): string {
    if (type === 'chat_message') {
      const { id, acked } = this.post(payload);
      acked.catch(() => undefined);
      return id;
    }
    const frame = makeFrame(type, payload);
    if (this.current === 'closed') this.log.warn?.('frame dropped: the client is closed', { type });
    else if (this.canWrite()) this.loop.write(frame);
    else this.outbox.add(frame);
    return frame.id;
  }

  /** Sends a chat message; resolves with the server's `ack` once it is stored (across reconnects if need be). */
  chat(content: string): Promise<Ack> {
    return this.post({ content }).acked;
  }

  /**
   * Tell the client the app's token changed (signed in, refreshed elsewhere, signed out).
   * Waiting: connect now. Ready: re-authenticate in-band. No token any more: close the socket and wait.
   */
  tokenChanged(): void {
    this.loop.tokenChanged();
  }

  private post(payload: unknown): { id: string; acked: Promise<Ack> } {
    const frame = makeFrame('chat_message', payload);
    const acked = new Promise<Ack>((resolve, reject) => {
      if (this.current === 'closed') return reject(new ClientClosedError('CLIENT_CLOSED', 'the client is closed'));
      if (!this.canWrite()) return this.outbox.add(frame, { resolve, reject });
      this.outbox.track(frame, { resolve, reject });
      this.loop.write(frame);
    });
    return { id: frame.id, acked };
  }

  private canWrite(): boolean {
    return (this.current === 'ready' || this.current === 'reauthenticating') && this.loop.writable;
  }

  private host(): LoopHost {
    const self = this;
    return {
      get state() {
        return self.current;
      },
      setState: (state, change) => this.setState(state, change),
      onFrame: (frame) => this.onFrame(frame),
      onClose: (info: CloseInfo) => this.events.emit('close', info),
      onRefreshed: (token) => this.events.emit('refreshed', { token }),
      onStopped: (error, reason, closeCode) => this.stopped(error, closeCode, reason),
    };
  }

  private onFrame(frame: InboundFrame): void {
    const p = frame.payload;
    switch (frame.type) {
      case 'ready':
        return this.onReady(p);
      case 'auth_required':
        this.events.emit('auth_required', p);
        return void this.loop.reauthenticate('auth_required', true);
      case 'auth_ok':
        if (this.current === 'reauthenticating') this.setState('ready', { reason: 'reauthenticated' });
        return this.events.emit('auth_ok', p);
      case 'ack':
        this.outbox.ack(p);
        return this.events.emit('ack', p);
      case 'chat_message':
        for (const m of this.chatOrder.push(p)) this.events.emit('chat_message', m);
        return;
      case 'reflection_chunk':
        for (const c of this.chunkOrder.push(p)) this.events.emit('reflection_chunk', c);
        return;
      case 'error':
        return this.onErrorFrame(p, frame.refId);
      default:
        this.events.emit(frame.type as keyof ClientEvents, p as never);
    }
  }

  private onReady(payload: ServerFrames['ready']): void {
    this.readyInfo = payload;
    this.loop.ready(payload.sessionId);
    // Written before anyone hears of `ready`, so a listener's own sends come after the queue, not before it.
    if (payload.resource?.conversationId !== undefined) this.loop.write(makeFrame('resume', { afterSeq: this.chatOrder.mark ?? 0 }));
    for (const frame of this.outbox.drain()) this.loop.write(frame);
    this.setState('ready', { reason: 'ready' });
    this.events.emit('ready', payload);
  }

  private onErrorFrame(payload: ServerFrames['error'], refId: string | undefined): void {
    if (payload.closeCode !== undefined) {
      this.loop.noteCloseError(payload);
      // Before the server's change to a bare 1000, a finished stream sent error DONE first: not an error.
      if (payload.code === CLOSE.DONE.error) return;
    }
    const ref = payload.refId ?? refId;
    if (ref !== undefined) this.outbox.reject(ref, new FrameRejectedError(payload.code, payload.message));
    this.events.emit('error', payload);
  }

  /** Closed for good: pending chat rejects with the cause (or "stream finished"). */
  private stopped(error: PortcullisError | undefined, closeCode: number | undefined, reason: string): void {
    this.pageSignals.stop();
    this.outbox.failAll(error ?? new ClientClosedError('STREAM_DONE', 'the stream finished'));
    this.failure = error instanceof ClientClosedError ? undefined : error;
    this.setState('closed', { reason, closeCode, ...(this.failure ? { error: this.failure } : {}) });
  }

  private setState(state: ClientState, change: Omit<StateChange, 'state' | 'previous'>): void {
    const previous = this.current;
    this.current = state;
    this.log.debug?.('state', { state, previous, reason: change.reason });
    this.events.emit('state', { state, previous, ...change });
  }
}
