import { backoffDelay, resolveBackoff, ResolvedBackoff } from './backoff.js';
import { decideClose } from './close-policy.js';
import { browserCrossTab } from './cross-tab.js';
import { Emitter } from './emitter.js';
import { ClientClosedError, errorForClose, FrameRejectedError, PortcullisError, RetriesExhaustedError } from './errors.js';
import { InboundFrame, makeFrame, parseFrame } from './frames.js';
import { OutFrame, Outbox } from './outbox.js';
import { CLOSE, CLOSED_BY_ADMIN, ServerFrames } from './protocol.generated.js';
import { SeqOrder } from './seq-order.js';
import { ConcreteAuthMode, defaultGetTicket, initialMode, openSocket } from './socket-factory.js';
import { TokenManager } from './tokens.js';
import type { Ack, ClientEvents, ClientOptions, ClientState, Logger, StateChange, WebSocketConstructor, WebSocketLike } from './types.js';

type ErrorPayload = ServerFrames['error'];
const OPEN = 1;

/**
 * One authenticated socket to one Portcullis endpoint, kept alive: it never
 * opens a socket without a token, answers `auth_required` in-band, follows
 * the server's close-code table (reconnect, refresh, or stop with a typed
 * error), queues frames until `ready`, and resumes chat without gaps or
 * duplicates.
 */
export class PortcullisClient {
  private current: ClientState = 'idle';
  private failure: PortcullisError | undefined;
  private readonly events: Emitter<ClientEvents>;
  private readonly tokens: TokenManager;
  private readonly outbox = new Outbox();
  private readonly chatOrder: SeqOrder<ServerFrames['chat_message']>;
  private readonly chunkOrder = new SeqOrder<ServerFrames['reflection_chunk']>(0);
  private readonly WS: WebSocketConstructor;
  private readonly backoff: ResolvedBackoff;
  private readonly log: Logger;
  private readonly getTicket: (token: string) => Promise<string | null>;
  private mode: ConcreteAuthMode;
  private socket: WebSocketLike | undefined;
  /** The token the live socket authenticated with (never logged). */
  private socketToken: string | undefined;
  /** Bumped by every attempt and every close: callbacks of an older socket or timer see a stale value and do nothing. */
  private generation = 0;
  private failedAttempts = 0;
  private authTimeoutsInARow = 0;
  private refreshedSinceReady = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closeError: ErrorPayload | undefined;
  private readyInfo: ServerFrames['ready'] | undefined;

  constructor(private readonly options: ClientOptions) {
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('PortcullisClient: no WebSocket here; pass one, e.g. { WebSocket } from the "ws" package');
    this.WS = WS;
    this.log = options.logger ?? {};
    this.events = new Emitter((err) => this.log.error?.('a listener threw', { error: String(err) }));
    this.backoff = resolveBackoff(options.backoff);
    this.mode = initialMode(options.auth ?? 'auto');
    this.getTicket = options.getTicket ?? defaultGetTicket(options.url);
    this.chatOrder = new SeqOrder(options.afterSeq ?? 0);
    const crossTab = options.crossTabRefresh === false ? null : browserCrossTab();
    this.tokens = new TokenManager(options.getToken, options.refreshToken, crossTab);
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
    this.failedAttempts = 0;
    this.refreshedSinceReady = false;
    void this.attempt('connect');
  }

  close(): void {
    if (this.current === 'closed') return;
    this.shutDown(new ClientClosedError('CLIENT_CLOSED', 'the client was closed'));
    this.setState('closed', { reason: 'client closed' });
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
    else if (this.canWrite()) this.write(frame);
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
    if ((this.current === 'waiting_for_token' || this.current === 'reconnecting') && this.timer !== undefined) {
      void this.attempt('token changed');
    } else if (this.current === 'ready' || this.current === 'reauthenticating') {
      void this.reauthenticate('token changed', false);
    }
  }

  private post(payload: unknown): { id: string; acked: Promise<Ack> } {
    const frame = makeFrame('chat_message', payload);
    const acked = new Promise<Ack>((resolve, reject) => {
      if (this.current === 'closed') return reject(new ClientClosedError('CLIENT_CLOSED', 'the client is closed'));
      if (!this.canWrite()) return this.outbox.add(frame, { resolve, reject });
      this.outbox.track(frame, { resolve, reject });
      this.write(frame);
    });
    return { id: frame.id, acked };
  }

  private async attempt(reason: string): Promise<void> {
    const gen = this.bump();
    let token: string | null;
    try {
      token = await this.tokens.current();
    } catch (err) {
      this.log.warn?.('getToken threw', { error: String(err) });
      if (gen === this.generation) this.retryLater('getToken failed');
      return;
    }
    if (gen !== this.generation) return;
    if (!token) return this.waitForToken();
    this.setState('connecting', { reason });
    const credential = this.mode === 'ticket' ? await this.ticketFor(token, gen) : token;
    if (credential === undefined || gen !== this.generation) return;
    this.socketToken = token;
    try {
      this.socket = openSocket(this.WS, this.options.url, this.mode, credential);
    } catch (err) {
      return this.fail(new PortcullisError('CANNOT_OPEN', `cannot open ${this.options.url}: ${String(err)}`));
    }
    this.wire(this.socket, gen, token);
  }

  /** A single-use ticket for `token`; undefined when this attempt ended (refused, failed, or superseded). */
  private async ticketFor(token: string, gen: number): Promise<string | undefined> {
    try {
      const ticket = await this.getTicket(token);
      if (gen !== this.generation) return undefined;
      if (ticket) return ticket;
      this.socketToken = token;
      void this.refreshThenReconnect(CLOSE.UNAUTHENTICATED.code, { code: CLOSE.UNAUTHENTICATED.error, message: 'ticket refused' });
    } catch (err) {
      this.log.warn?.('getTicket failed', { error: String(err) });
      if (gen === this.generation) this.retryLater('getTicket failed');
    }
    return undefined;
  }

  private wire(socket: WebSocketLike, gen: number, token: string): void {
    socket.onopen = () => {
      if (gen !== this.generation) return;
      this.setState('authenticating', { reason: `socket open (${this.mode})` });
      if (this.mode === 'message') socket.send(JSON.stringify(makeFrame('auth', { token })));
    };
    socket.onmessage = (event: { data: unknown }) => {
      const frame = gen === this.generation ? parseFrame(event.data) : null;
      if (frame) this.onFrame(frame);
    };
    socket.onclose = (event: { code: number; reason?: string }) => {
      if (gen === this.generation) this.onClosed(event.code, String(event.reason ?? ''));
    };
    // An error is always followed by a close, which decides what happens.
    socket.onerror = () => undefined;
  }

  private onFrame(frame: InboundFrame): void {
    const p = frame.payload;
    switch (frame.type) {
      case 'ready':
        return this.onReady(p);
      case 'auth_required':
        this.events.emit('auth_required', p);
        return void this.reauthenticate('auth_required', true);
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
    this.failedAttempts = 0;
    this.authTimeoutsInARow = 0;
    this.refreshedSinceReady = false;
    this.tokens.setShareKey(payload.sessionId);
    // Written before anyone hears of `ready`, so a listener's own sends come after the queue, not before it.
    if (payload.resource?.conversationId !== undefined) this.write(makeFrame('resume', { afterSeq: this.chatOrder.mark ?? 0 }));
    for (const frame of this.outbox.drain()) this.write(frame);
    this.setState('ready', { reason: 'ready' });
    this.events.emit('ready', payload);
  }

  private onErrorFrame(payload: ErrorPayload, refId: string | undefined): void {
    if (payload.closeCode !== undefined) {
      this.closeError = payload;
      // Before the server's change to a bare 1000, a finished stream sent error DONE first: not an error.
      if (payload.code === CLOSE.DONE.error) return;
    }
    const ref = payload.refId ?? refId;
    if (ref !== undefined) this.outbox.reject(ref, new FrameRejectedError(payload.code, payload.message));
    this.events.emit('error', payload);
  }

  private onClosed(code: number, reason: string): void {
    const err = this.closeError;
    this.closeError = undefined;
    this.socket = undefined;
    this.events.emit('close', { code, reason, error: err?.code });
    const decision = decideClose(code, err?.code);
    const why = err?.code ?? decision.key ?? `close ${code}`;
    this.log.debug?.('socket closed', { code, why, action: decision.action });
    switch (decision.action) {
      case 'done':
        this.shutDown(new ClientClosedError('STREAM_DONE', 'the stream finished'));
        return this.setState('closed', { reason: why, closeCode: code });
      case 'stop':
        return this.fail(errorForClose(code, err?.code, err?.message ?? reason, CLOSED_BY_ADMIN));
      case 'refresh':
        return void this.refreshThenReconnect(code, err);
      case 'auth_now':
        return this.authenticateAtOnce(code, why);
      case 'backoff':
        return this.retryLater(why, code);
    }
  }

  /** 4001: one fresh token, then reconnect; a second 4001 before `ready` means the user must sign in again. */
  private async refreshThenReconnect(code: number, err: Pick<ErrorPayload, 'code' | 'message'> | undefined): Promise<void> {
    const why = err?.code ?? 'UNAUTHENTICATED';
    const authError = () => errorForClose(code, err?.code ?? why, err?.message ?? 'authentication failed', CLOSED_BY_ADMIN);
    if (this.refreshedSinceReady) return this.fail(authError());
    const gen = this.bump();
    this.setState('reconnecting', { reason: why, closeCode: code });
    const outcome = await this.tokens.fresh(this.socketToken);
    if (gen !== this.generation) return;
    if (outcome.kind === 'no_token') return this.waitForToken();
    if (outcome.kind === 'refused') return this.fail(authError());
    if (outcome.kind === 'failed') {
      this.log.warn?.('refreshToken failed', { error: String(outcome.error) });
      return this.retryLater(why, code);
    }
    this.refreshedSinceReady = true;
    this.events.emit('refreshed', { token: outcome.token });
    void this.attempt('token refreshed');
  }

  /** 4008: the server waited for an `auth` frame. 'auto' switches to sending one; a repeat backs off. */
  private authenticateAtOnce(code: number, why: string): void {
    if (this.options.auth === undefined || this.options.auth === 'auto') {
      if (this.mode !== 'message') this.log.warn?.('server wants the auth frame; switching auth to "message"', { from: this.mode });
      this.mode = 'message';
    }
    if (++this.authTimeoutsInARow > 1) return this.retryLater(why, code);
    void this.attempt(why);
  }

  /** Answers `auth_required` (fresh token) or a token change (the app's token) on the open socket. */
  private async reauthenticate(reason: string, fresh: boolean): Promise<void> {
    const socket = this.socket;
    if (fresh && this.current === 'ready') this.setState('reauthenticating', { reason });
    const outcome = fresh ? await this.tokens.fresh(this.socketToken) : await this.appToken();
    if (socket !== this.socket || !socket) return;
    if (outcome.kind === 'no_token') return this.signedOut(socket);
    if (outcome.kind !== 'token') {
      // The socket lives until its token expires; the 4001 then takes the close path (refresh, or stop).
      this.log.warn?.('re-auth: no fresh token', { outcome: outcome.kind });
      return;
    }
    if (!fresh && outcome.token === this.socketToken) return;
    if (this.current === 'ready') this.setState('reauthenticating', { reason });
    if (outcome.refreshed) this.events.emit('refreshed', { token: outcome.token });
    this.socketToken = outcome.token;
    this.write(makeFrame('auth', { token: outcome.token }));
  }

  private async appToken(): Promise<Awaited<ReturnType<TokenManager['fresh']>>> {
    const token = await this.tokens.current().catch(() => null);
    return token ? { kind: 'token', token, refreshed: false } : { kind: 'no_token' };
  }

  private signedOut(socket: WebSocketLike): void {
    this.bump();
    this.socket = undefined;
    safeClose(socket, 1000, 'signed out');
    this.waitForToken();
  }

  private waitForToken(): void {
    const gen = this.bump();
    const delay = backoffDelay(this.failedAttempts++, this.backoff);
    this.setState('waiting_for_token', { reason: 'no token', retryInMs: delay });
    this.timer = setTimeout(() => gen === this.generation && void this.attempt('token poll'), delay);
  }

  private retryLater(reason: string, closeCode?: number): void {
    const gen = this.bump();
    if (this.failedAttempts >= this.backoff.maxAttempts) {
      return this.fail(new RetriesExhaustedError('RETRIES_EXHAUSTED', `gave up after ${this.failedAttempts} attempts (${reason})`, closeCode));
    }
    const delay = backoffDelay(this.failedAttempts++, this.backoff);
    this.setState('reconnecting', { reason, closeCode, retryInMs: delay });
    this.timer = setTimeout(() => gen === this.generation && void this.attempt(reason), delay);
  }

  private fail(error: PortcullisError): void {
    this.shutDown(error);
    this.failure = error;
    this.setState('closed', { reason: error.code, error, closeCode: error.closeCode });
  }

  /** Stops everything in flight; pending chat messages reject with `error`. */
  private shutDown(error: PortcullisError): void {
    this.bump();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) safeClose(socket, 1000, 'client closed');
    this.outbox.failAll(error);
  }

  /** Invalidates every callback and timer of the previous attempt. */
  private bump(): number {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    return ++this.generation;
  }

  private canWrite(): boolean {
    return (this.current === 'ready' || this.current === 'reauthenticating') && this.socket?.readyState === OPEN;
  }

  private write(frame: OutFrame): void {
    try {
      this.socket?.send(JSON.stringify(frame));
    } catch (err) {
      // The socket is going away; its close decides what happens, and unacked chat is resent after it.
      this.log.debug?.('write failed', { type: frame.type, error: String(err) });
    }
  }

  private setState(state: ClientState, change: Omit<StateChange, 'state' | 'previous'>): void {
    const previous = this.current;
    this.current = state;
    this.log.debug?.('state', { state, previous, reason: change.reason });
    this.events.emit('state', { state, previous, ...change });
  }
}

function safeClose(socket: WebSocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closing
  }
}
