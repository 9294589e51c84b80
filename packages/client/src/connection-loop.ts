import { backoffDelay, BackoffWait, ResolvedBackoff } from './backoff.js';
import { decideClose } from './close-policy.js';
import { errorForClose, PortcullisError, RetriesExhaustedError } from './errors.js';
import { InboundFrame, makeFrame, parseFrame } from './frames.js';
import { ResolvedLiveness, Watchdog } from './liveness.js';
import type { OutFrame } from './outbox.js';
import type { PageSignal } from './page-signals.js';
import { CLOSE, CLOSED_BY_ADMIN, ServerFrames } from './protocol.generated.js';
import { closeSocket, ConcreteAuthMode, discardSocket, openSocket } from './socket-factory.js';
import type { RefreshOutcome, TokenManager } from './tokens.js';
import type { AuthMode, ClientState, CloseInfo, Logger, StateChange, WebSocketConstructor, WebSocketLike } from './types.js';

type ErrorPayload = ServerFrames['error'];
const OPEN = 1;
/** What a browser reports for a connection that ended without a close frame; the client uses it for one it gave up on. */
const ABNORMAL_CLOSE = 1006;
/** `online` during a backoff wait: the attempt comes within this long instead (once per wait). */
export const ONLINE_RETRY_WITHIN_MS = 1000;

/** What the loop tells the client it serves. */
export interface LoopHost {
  readonly state: ClientState;
  setState(state: ClientState, change: Omit<StateChange, 'state' | 'previous'>): void;
  onFrame(frame: InboundFrame): void;
  onClose(info: CloseInfo): void;
  onRefreshed(token: string): void;
  /** The loop has stopped for good: `error` unless the stream simply finished. */
  onStopped(error: PortcullisError | undefined, reason: string, closeCode?: number): void;
}

export interface LoopDeps {
  WS: WebSocketConstructor;
  url: string;
  auth: AuthMode;
  initialMode: ConcreteAuthMode;
  tokens: TokenManager;
  getTicket: (token: string) => Promise<string | null>;
  backoff: ResolvedBackoff;
  /** null: no watchdog (the app relies on TCP, or on its own pings). */
  liveness: ResolvedLiveness | null;
  log: Logger;
}

/**
 * The socket's life: get a token, open, and after every close do what the
 * server's close-code table says (reconnect with backoff, refresh then
 * reconnect, send the `auth` frame at once, or stop). Each attempt bumps a
 * generation; callbacks and timers of an older one see it and do nothing.
 */
export class ConnectionLoop {
  private mode: ConcreteAuthMode;
  private socket: WebSocketLike | undefined;
  /** The token the live socket authenticated with (never logged). */
  private socketToken: string | undefined;
  private generation = 0;
  private failedAttempts = 0;
  private authTimeoutsInARow = 0;
  private refreshedSinceReady = false;
  private readonly wait: BackoffWait;
  private closeError: ErrorPayload | undefined;
  private readonly watchdog: Watchdog | undefined;

  constructor(private readonly host: LoopHost, private readonly deps: LoopDeps) {
    this.mode = deps.initialMode;
    this.wait = new BackoffWait(deps.backoff.random);
    if (deps.liveness) this.watchdog = new Watchdog(deps.liveness, () => this.write(makeFrame('ping', {})), (why) => this.abandon(why));
  }

  get writable(): boolean {
    return this.socket?.readyState === OPEN;
  }

  start(reason: string): void {
    this.failedAttempts = 0;
    this.refreshedSinceReady = false;
    void this.attempt(reason);
  }

  /** Ends every attempt, timer and socket. */
  stop(): void {
    this.bump();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) closeSocket(socket, 1000, 'client closed');
  }

  write(frame: OutFrame): void {
    try {
      this.socket?.send(JSON.stringify(frame));
    } catch (err) {
      // The socket is going away; its close decides what happens, and unacked chat is resent after it.
      this.deps.log.debug?.('write failed', { type: frame.type, error: String(err) });
    }
  }

  ready(sessionId: string | null): void {
    this.failedAttempts = 0;
    this.authTimeoutsInARow = 0;
    this.refreshedSinceReady = false;
    this.deps.tokens.setShareKey(sessionId);
    this.wait.settled();
    this.watchdog?.ready();
  }

  /** An `error` frame that announces a close: kept to decide what the close means. */
  noteCloseError(payload: ErrorPayload): void {
    this.closeError = payload;
  }

  /** Waiting for a token or a retry: try now. Connected: re-authenticate with the app's current token. */
  tokenChanged(): void {
    const state = this.host.state;
    if ((state === 'waiting_for_token' || state === 'reconnecting') && this.wait.pending) void this.attempt('token changed');
    else if (state === 'ready' || state === 'reauthenticating') void this.reauthenticate('token changed', false);
  }

  /**
   * The network came back or the page is shown again. Connected: the watchdog pings now. Backing off: `online`
   * brings the attempt forward (within bounds: BackoffWait.cutShort); it counts like any other, so the backoff still grows.
   */
  pageSignal(signal: PageSignal): void {
    const state = this.host.state;
    const gen = this.generation;
    if (state === 'ready' || state === 'reauthenticating') {
      if (this.watchdog?.check()) this.deps.log.debug?.('checking the connection', { signal });
    } else if (signal === 'online' && state === 'reconnecting') {
      this.wait.cutShort(ONLINE_RETRY_WITHIN_MS, () => gen === this.generation && void this.attempt('network online'));
    }
  }

  /** Answers `auth_required` (fresh: refresh if need be) or a token change (the app's token) on the open socket. */
  async reauthenticate(reason: string, fresh: boolean): Promise<void> {
    const socket = this.socket;
    if (fresh && this.host.state === 'ready') this.host.setState('reauthenticating', { reason });
    const outcome = fresh ? await this.deps.tokens.fresh(this.socketToken) : await this.appToken();
    if (socket !== this.socket || !socket) return;
    if (outcome.kind === 'no_token') return this.signedOut(socket);
    if (outcome.kind !== 'token') {
      // The socket lives until its token expires; the 4001 then takes the close path (refresh, or stop).
      this.deps.log.warn?.('re-auth: no fresh token', { outcome: outcome.kind });
      // A refresh that failed in passing (network) may work before the deadline: try again on this socket.
      if (outcome.kind === 'failed' && fresh) setTimeout(() => socket === this.socket && void this.reauthenticate(reason, true), backoffDelay(1, this.deps.backoff));
      return;
    }
    if (!fresh && outcome.token === this.socketToken) return;
    if (this.host.state === 'ready') this.host.setState('reauthenticating', { reason });
    if (outcome.refreshed) this.host.onRefreshed(outcome.token);
    this.socketToken = outcome.token;
    this.write(makeFrame('auth', { token: outcome.token }));
  }

  private async attempt(reason: string): Promise<void> {
    const gen = this.bump();
    let token: string | null;
    try {
      token = await this.deps.tokens.current();
    } catch (err) {
      this.deps.log.warn?.('getToken threw', { error: String(err) });
      if (gen === this.generation) this.retryLater('getToken failed');
      return;
    }
    if (gen !== this.generation) return;
    if (!token) return this.waitForToken();
    this.host.setState('connecting', { reason });
    const credential = this.mode === 'ticket' ? await this.ticketFor(token, gen) : token;
    if (credential === undefined || gen !== this.generation) return;
    this.socketToken = token;
    try {
      this.socket = openSocket(this.deps.WS, this.deps.url, this.mode, credential);
    } catch (err) {
      return this.fail(new PortcullisError('CANNOT_OPEN', `cannot open ${this.deps.url}: ${String(err)}`));
    }
    this.wire(this.socket, gen, token);
    this.watchdog?.opening();
  }

  /** A single-use ticket for `token`; undefined when this attempt ended (refused, failed, or superseded). */
  private async ticketFor(token: string, gen: number): Promise<string | undefined> {
    try {
      const ticket = await this.deps.getTicket(token);
      if (gen !== this.generation) return undefined;
      if (ticket) return ticket;
      this.socketToken = token;
      void this.refreshThenReconnect(CLOSE.UNAUTHENTICATED.code, { code: CLOSE.UNAUTHENTICATED.error, message: 'ticket refused' });
    } catch (err) {
      this.deps.log.warn?.('getTicket failed', { error: String(err) });
      if (gen === this.generation) this.retryLater('getTicket failed');
    }
    return undefined;
  }

  private wire(socket: WebSocketLike, gen: number, token: string): void {
    socket.onopen = () => {
      if (gen !== this.generation) return;
      this.host.setState('authenticating', { reason: `socket open (${this.mode})` });
      if (this.mode === 'message') socket.send(JSON.stringify(makeFrame('auth', { token })));
    };
    socket.onmessage = (event: { data: unknown }) => {
      if (gen !== this.generation) return;
      this.watchdog?.heard();
      const frame = parseFrame(event.data);
      if (frame) this.host.onFrame(frame);
    };
    socket.onclose = (event: { code: number; reason?: string }) => {
      if (gen === this.generation) this.onClosed(event.code, String(event.reason ?? ''));
    };
    // An error is always followed by a close, which decides what happens.
    socket.onerror = () => undefined;
  }

  /**
   * The watchdog gave up on a socket that stays "open" but carries nothing:
   * its events no longer count, it is torn down without waiting for a close
   * handshake that cannot arrive, and the loop goes on as after a dropped
   * connection (1006: reconnect with backoff; unacked chat is resent after).
   */
  private abandon(why: string): void {
    const socket = this.socket;
    if (!socket) return;
    discardSocket(socket);
    this.deps.log.warn?.('connection unresponsive, reconnecting', { why });
    this.onClosed(ABNORMAL_CLOSE, why, why);
  }

  private onClosed(code: number, reason: string, cause?: string): void {
    this.watchdog?.stop();
    const err = this.closeError;
    this.closeError = undefined;
    this.socket = undefined;
    this.host.onClose({ code, reason, error: err?.code });
    const decision = decideClose(code, err?.code);
    const why = cause ?? err?.code ?? decision.key ?? `close ${code}`;
    this.deps.log.debug?.('socket closed', { code, why, action: decision.action });
    switch (decision.action) {
      case 'done':
        this.bump();
        return this.host.onStopped(undefined, why, code);
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
    const authError = () => errorForClose(code, why, err?.message ?? 'authentication failed', CLOSED_BY_ADMIN);
    if (this.refreshedSinceReady) return this.fail(authError());
    const gen = this.bump();
    this.host.setState('reconnecting', { reason: why, closeCode: code });
    const outcome = await this.deps.tokens.fresh(this.socketToken);
    if (gen !== this.generation) return;
    if (outcome.kind === 'no_token') return this.waitForToken();
    if (outcome.kind === 'refused') return this.fail(authError());
    if (outcome.kind === 'failed') {
      this.deps.log.warn?.('refreshToken failed', { error: String(outcome.error) });
      return this.retryLater(why, code);
    }
    this.refreshedSinceReady = true;
    if (outcome.refreshed) this.host.onRefreshed(outcome.token);
    void this.attempt('token refreshed');
  }

  /** 4008: the server waited for an `auth` frame. 'auto' switches to sending one; a repeat backs off. */
  private authenticateAtOnce(code: number, why: string): void {
    if (this.deps.auth === 'auto') {
      if (this.mode !== 'message') this.deps.log.warn?.('server wants the auth frame; switching auth to "message"', { from: this.mode });
      this.mode = 'message';
    }
    if (++this.authTimeoutsInARow > 1) return this.retryLater(why, code);
    void this.attempt(why);
  }

  private async appToken(): Promise<RefreshOutcome> {
    const token = await this.deps.tokens.current().catch(() => null);
    return token ? { kind: 'token', token, refreshed: false } : { kind: 'no_token' };
  }

  private signedOut(socket: WebSocketLike): void {
    this.bump();
    this.socket = undefined;
    closeSocket(socket, 1000, 'signed out');
    this.waitForToken();
  }

  private waitForToken(): void {
    const gen = this.bump();
    const delay = backoffDelay(this.failedAttempts++, this.deps.backoff);
    this.host.setState('waiting_for_token', { reason: 'no token', retryInMs: delay });
    this.wait.start(delay, () => gen === this.generation && void this.attempt('token poll'));
  }

  private retryLater(reason: string, closeCode?: number): void {
    const gen = this.bump();
    if (this.failedAttempts >= this.deps.backoff.maxAttempts) {
      return this.fail(new RetriesExhaustedError('RETRIES_EXHAUSTED', `gave up after ${this.failedAttempts} attempts (${reason})`, closeCode));
    }
    const delay = backoffDelay(this.failedAttempts++, this.deps.backoff);
    this.host.setState('reconnecting', { reason, closeCode, retryInMs: delay });
    this.wait.start(delay, () => gen === this.generation && void this.attempt(reason));
  }

  private fail(error: PortcullisError): void {
    this.stop();
    this.host.onStopped(error, error.code, error.closeCode);
  }

  /** Invalidates every callback and timer of the previous attempt. */
  private bump(): number {
    this.wait.clear();
    this.watchdog?.stop();
    return ++this.generation;
  }
}
