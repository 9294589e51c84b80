import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { isoTime } from '../common/util/iso-time';
import { CloseSpec } from './close-codes';
import type { GatewayHandler } from './nest/gateway-handlers';
import { ServerFrames, ServerFrameType } from './frame-types';
import type { WsTraffic } from './realtime.metrics';
import type { SharedFrame } from './shared-frame';
import { flushAfterThisTurn } from './turn-flush';

/**
 * How long a closed socket may take to finish the close handshake before it is cut. What it
 * holds meanwhile is bounded: nothing more is queued for it, and under WS_MAX_BUFFERED_BYTES
 * a client could hold that much for as long as it liked without ever being closed.
 */
export const CLOSE_GRACE_MS = 10_000;

export type ConnectionAuth =
  | { kind: 'user'; userId: string; sessionId: string; role: 'user' | 'admin'; expiresAt: number }
  | { kind: 'service'; apiKeyId: string | null; name: string };

export type ConnectionState = 'authenticating' | 'open' | 'closing' | 'closed';

export interface ConnectionLimits {
  maxBufferedBytes: number;
  maxProtocolErrors: number;
}

/** Hooks the session lifecycle (clock, revocation) attaches to. */
export interface ConnectionLifecycle {
  authenticated(conn: Connection): void;
  reauthenticated(conn: Connection): void;
  closed(conn: Connection): void;
}

/**
 * One socket and what we know of it. Frames are handled strictly in arrival
 * order through `run()`, so nothing a client sends is acted on before the
 * credential check ahead of it has finished.
 */
export class Connection {
  readonly id = randomUUID();
  /** Epoch ms: a number, not a Date, on an object every socket keeps (see `connectedAt`). */
  readonly connectedAtMs = Date.now();
  state: ConnectionState = 'authenticating';
  auth: ConnectionAuth | undefined;
  authMethod = 'none';
  /** Resource ids from the path (entryId, conversationId). */
  resource: Record<string, string> = {};
  alive = true;
  private ctx?: Record<string, unknown>;
  /** The gateway's @SubscribeMessage handlers by frame type, shared by its sockets; set once the handshake has been accepted. */
  handlers: ReadonlyMap<string, GatewayHandler> | undefined;
  /** Set while the handshake waits for a first-frame `auth`: the next frame goes here, not to a handler. */
  firstFrame: ((data: Buffer, isBinary: boolean) => void) | undefined;
  // The frame queue and the lists below are made on first use: most sockets never need some of them,
  // and every field made up front is kept for the socket's whole life (see docs/capacity.md on memory per socket).
  private chain: Promise<void> | undefined;
  /** Work started by `overlap()` that has not finished, oldest first. */
  private overlapping: Array<Promise<void>> | undefined;
  private protocolErrors: number[] | undefined;
  private closeHooks: Array<(c: Connection) => void> | undefined;
  private frameSeq = 0;
  private held: SharedFrame[] | undefined;
  private heldBytes = 0;
  /** True while `output` is corked for this turn of the event loop (see coalesce). */
  private corked = false;
  private graceTimer: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly ws: WebSocket,
    readonly endpoint: string,
    readonly remoteAddress: string,
    private readonly limits: ConnectionLimits,
    private readonly onSlowConsumer: (c: Connection) => void,
    private readonly traffic: WsTraffic = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0 },
    /** The socket `ws` writes to (the upgrade request's); frames are coalesced on it when given. Let go once closed (see closed()). */
    private output?: Writable,
  ) {}

  get connectedAt(): Date {
    return new Date(this.connectedAtMs);
  }

  get userId(): string | undefined {
    return this.auth?.kind === 'user' ? this.auth.userId : undefined;
  }

  get sessionId(): string | undefined {
    return this.auth?.kind === 'user' ? this.auth.sessionId : undefined;
  }

  /** What the handshake guards learned for the gateway (e.g. the entry a reflection streams); made on first use, most sockets need none. */
  get context(): Record<string, unknown> {
    return (this.ctx ??= {});
  }

  get isOpen(): boolean {
    return this.state === 'open' || this.state === 'authenticating';
  }

  /** Queues work behind every frame received before it. */
  run(task: () => Promise<void> | void): Promise<void> {
    this.chain = (this.chain ?? Promise.resolve()).then(task, task);
    return this.chain;
  }

  /**
   * Starts `task` now and lets the frames behind it go on before it finishes,
   * for work whose order is kept by what it queues into synchronously (chat
   * messages: the message writer). At most `depth` run at once; past that the
   * frame queue waits for the oldest, which is the socket's back-pressure.
   * `task` must not reject.
   */
  async overlap(task: () => Promise<void>, depth: number): Promise<void> {
    const overlapping = (this.overlapping ??= []);
    const done: Promise<void> = task().finally(() => {
      const i = overlapping.indexOf(done);
      if (i >= 0) overlapping.splice(i, 1);
    });
    overlapping.push(done);
    while (overlapping.length >= depth) await overlapping[0];
  }

  /** Resolves once every frame received so far has been handled, overlapped work included. */
  async idle(): Promise<void> {
    await this.run(() => undefined);
    while (this.overlapping?.length) await this.overlapping[0];
  }

  /** Sends one frame, unless the socket is closing. Returns false when nothing was sent. */
  send<K extends ServerFrameType>(type: K, payload: ServerFrames[K], refId?: string): boolean {
    if (this.state === 'closing' || this.state === 'closed' || this.ws.readyState !== this.ws.OPEN) return false;
    this.write(type, payload, refId);
    if (this.overBuffered()) this.onSlowConsumer(this);
    return true;
  }

  /**
   * Sends a frame made once for many sockets (fan-out): serialised, encoded
   * and framed once, written to the socket as it is. Its id must be unique
   * per frame, which a message id is.
   *
   * The bytes go straight to the socket `ws` writes to, in one write, behind
   * everything `ws` has written: `ws` writes each frame synchronously unless
   * it is compressing (this server negotiates no compression) or reading a
   * Blob (never sent here), so nothing of its own waits to go first. Without
   * that socket (tests), `ws.send` sends the payload.
   */
  sendShared(frame: SharedFrame): boolean {
    if (this.state !== 'open' || this.ws.readyState !== this.ws.OPEN) return false;
    if (this.held) {
      this.held.push(frame);
      this.heldBytes += frame.payloadBytes;
      if (this.heldBytes > this.limits.maxBufferedBytes) this.onSlowConsumer(this);
      return true;
    }
    this.coalesce();
    if (this.output) this.output.write(frame.wire);
    else this.ws.send(frame.payload, { binary: false });
    this.traffic.framesOut++;
    this.traffic.bytesOut += frame.payloadBytes;
    if (this.overBuffered()) this.onSlowConsumer(this);
    return true;
  }

  /**
   * Subscribed but not yet authorized: fan-out frames wait here, so nothing
   * committed after `ready` is missed, and nothing reaches the socket before
   * its ownership check has passed.
   */
  hold(): void {
    this.held = [];
    this.heldBytes = 0;
  }

  /**
   * Hands over what waits for the ownership check and goes on holding: for a
   * gateway that must put it in order with other frames (chat: behind a
   * replay). Empty when nothing is held.
   */
  takeHeld(): SharedFrame[] {
    const held = this.held ?? [];
    if (this.held) { this.held = []; this.heldBytes = 0; }
    return held;
  }

  /** The ownership check passed: deliver what waited, in order. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    for (const frame of held ?? []) this.sendShared(frame);
  }

  /**
   * The `error` frame first, then the close; later sends are dropped. A stream
   * that finished (DONE) has said so in its own last frame and gets no `error`.
   */
  close(spec: CloseSpec, message: string = spec.reason): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    if (this.ws.readyState === this.ws.OPEN && spec.error !== 'DONE') this.write('error', { code: spec.error, message, closeCode: spec.code });
    this.state = 'closing';
    try {
      this.ws.close(spec.code, spec.reason);
    } catch {
      this.flush();
      this.ws.terminate();
    }
    // A peer that never answers the close handshake (it stopped reading, or went away) must not hold the socket;
    // one that only paused (a slow consumer) still gets CLOSE_GRACE_MS to read its `error` frame and the close.
    // Cleared once the socket has closed: the timer would otherwise hold it, and all it refers to, that long.
    this.graceTimer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  /**
   * Sends what this turn's frames left corked: one write for all of them.
   * Called once the turn's work has run (see coalesce); earlier when the
   * buffer limit is checked.
   */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.output?.uncork();
  }

  /**
   * Frames sent to this socket in one turn of the event loop leave in one
   * write syscall: the socket is corked at the turn's first frame and
   * uncorked after the turn's synchronous work and promise reactions
   * (process.nextTick). A group commit of k chat messages then reaches each
   * member in one write instead of k, and a resume page in one instead of
   * one per message; the syscall and the TCP segment were most of the cost of
   * a delivery. Order is kept: it is the same stream.
   */
  private coalesce(): void {
    if (this.corked || !this.output) return;
    this.corked = true;
    this.output.cork();
    flushAfterThisTurn(this);
  }

  /** Past the buffer limit? Corked bytes count only once they were offered to the kernel: flushed first. */
  private overBuffered(): boolean {
    if (this.ws.bufferedAmount <= this.limits.maxBufferedBytes) return false;
    this.flush();
    return this.ws.bufferedAmount > this.limits.maxBufferedBytes;
  }

  /** Counts a protocol error; true when the per-minute allowance is exhausted. */
  protocolError(now = Date.now()): boolean {
    const recent = (this.protocolErrors ?? []).filter((t) => now - t < 60_000);
    recent.push(now);
    this.protocolErrors = recent;
    return recent.length > this.limits.maxProtocolErrors;
  }

  onClose(hook: (c: Connection) => void): void {
    (this.closeHooks ??= []).push(hook);
  }

  offClose(hook: (c: Connection) => void): void {
    const i = this.closeHooks?.indexOf(hook) ?? -1;
    if (i >= 0) this.closeHooks!.splice(i, 1);
  }

  /** Called once by the server when the underlying socket has closed. */
  closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    // What V8 keeps of a closed socket for a while (see QuietWebSocket) must not reach its TCP socket through here.
    this.output = undefined;
    const hooks = this.closeHooks;
    this.closeHooks = undefined;
    for (const hook of hooks ?? []) hook(this);
  }

  private write(type: string, payload: unknown, refId?: string): void {
    const frame: Record<string, unknown> = { type, id: `s-${this.id.slice(0, 8)}-${++this.frameSeq}`, timestamp: isoTime(), payload };
    if (refId !== undefined) frame.refId = refId;
    const text = JSON.stringify(frame);
    this.coalesce();
    this.ws.send(text);
    this.traffic.framesOut++;
    this.traffic.bytesOut += Buffer.byteLength(text);
  }
}

