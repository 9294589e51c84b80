import type { Writable } from 'node:stream';
import { WebSocket } from 'ws';

/**
 * `end()` for a stream that `ws` may end again after it has finished.
 *
 * On every ordinary close (the peer's close frame, then its FIN) `ws` 8.x
 * calls `end()` three more times on streams that have already finished: the
 * frame receiver from the socket's `end` and again from its `close`, and the
 * TCP socket from its `end`. Node answers each such call, when no callback is
 * given, by doing nothing visible: it builds an `ERR_STREAM_ALREADY_FINISHED`
 * (or `ERR_STREAM_DESTROYED`) error, with a stack trace captured at full depth,
 * and drops it. Building those three errors was about a sixth of the
 * instructions of a connect-and-close here (docs/capacity.md §1). A peer that
 * sends its FIN without a close frame still meets them: no close() ran.
 *
 * This answers exactly those calls (no arguments, the stream ended and since
 * finished or destroyed, nothing corked) the way Node does, minus the error;
 * every other call goes to the stream's own `end`, so what a caller can
 * observe does not change: data, callbacks, uncorking and the errors handed to
 * callbacks are Node's.
 */
export function endQuietly(this: Writable, ...args: unknown[]): Writable {
  if (args.length === 0 && this.writableEnded && (this.writableFinished || this.destroyed) && this.writableCorked === 0) return this;
  return (Object.getPrototypeOf(this) as Writable).end.apply(this, args as Parameters<Writable['end']>);
}

/**
 * The listener table of a server socket: the events the adapter listens to,
 * declared up front (as Node's own streams do for theirs), with no prototype,
 * so that an event named like an Object method finds nothing.
 *
 * EventEmitter starts every emitter with `{ __proto__: null }`, which V8 keeps
 * in dictionary mode: ~256 bytes of hash table for the four listeners every
 * socket gets, the largest single item a socket kept beyond `ws`'s and Node's
 * own objects (docs/capacity.md §2). An object made with its keys holds them
 * in-object (~30 bytes) and stays so as the listeners are set; removing one
 * (`once`, `off`) turns it back into a dictionary, which only a closing socket
 * does. The EventEmitter methods read `_events` the same way whatever its mode.
 */
function listenerTable(): object {
  return Object.setPrototypeOf({ close: undefined, error: undefined, pong: undefined, message: undefined }, null) as object;
}

/** ws's default for `maxPendingAutoPongs`: a peer with this many pongs still unsent is cut (see QuietWebSocket). */
export const MAX_PENDING_AUTO_PONGS = 60;

/** The fields of ws's WebSocket this class reads or sets (ws 8; none is public API). */
interface WsInternals {
  _socket: Writable | null;
  _receiver: Writable | null;
  _sender: object | null;
  _closeTimer: NodeJS.Timeout | null;
  _bufferedAmount: number;
  _autoPong: boolean;
  _pendingAutoPongs: number;
  _maxPendingAutoPongs: number;
}

/** Called once an automatic pong has been written (bound to its socket for that one pong). */
function autoPongSent(this: WsInternals): void {
  this._pendingAutoPongs--;
}

/**
 * `ws`'s WebSocket (handed to WebSocketServer as its `WebSocket` class) with a
 * compact listener table (see listenerTable), whose socket and frame receiver
 * end quietly (see endQuietly) once it closes, which answers pings without a
 * closure of its own, and which lets go of its parts once it has closed.
 *
 * Every closing handshake passes through `close()`: ours, and the one `ws`
 * makes when the peer's close frame arrives, before that peer's FIN. Set then,
 * on streams about to go, nothing is kept for an open socket's whole life (a
 * property each from connect on cost ~50 bytes of heap per socket in the soak).
 * One shared function, no closure.
 *
 * Why the last two (docs/capacity.md §1, 2026-12-07): V8's parser allocates a
 * function literal assigned to a property (`this.f = () => ...`) straight in
 * the old generation, on the guess that it is a method. The closure's context,
 * and all it reaches, is young; from a closure in the old generation it stays
 * reachable to every scavenge until the next mark-compact, dead or not, so
 * each scavenge copies it and the second promotes it. `ws` makes one such
 * closure per socket (`_autoPongComplete`), and Node one per writable stream
 * (`WritableState.onwrite`: the TCP socket's and the frame receiver's). A
 * closed socket's WebSocket, TCP socket and receiver were therefore promoted,
 * with everything they held: the Connection, its session and the rest, ~2.7 KB
 * a connect, a mark-compact every ~10,000 connects. So:
 *  - ws is told not to answer pings (`autoPong: false`, set by the adapter) and
 *    this class does it the same way (ws's `receiverOnPing` reads these
 *    fields): the pong's completion is a bound function made per ping, not a
 *    closure made per socket.
 *  - once closed (after its `close` listeners have run), it drops the TCP
 *    socket, receiver, sender and close timer, and the receiver drops it: what
 *    V8 keeps of a closed socket then holds only itself. ws reads none of them
 *    once CLOSED (send, ping and bufferedAmount go by `_socket` and
 *    `_bufferedAmount`; close, terminate, pause and resume return at once).
 */
export class QuietWebSocket extends WebSocket {
  /** ws's own arguments, passed on as they are (WebSocketServer makes each server socket with `(null, undefined, options)`). */
  constructor(...args: unknown[]) {
    super(...(args as ConstructorParameters<typeof WebSocket>));
    (this as unknown as { _events: object })._events = listenerTable();
    const self = this as unknown as WsInternals;
    if (!self._autoPong) {
      const options = args[2] as { maxPendingAutoPongs?: number } | undefined;
      self._autoPong = true;
      self._pendingAutoPongs = 0;
      self._maxPendingAutoPongs = (options?.maxPendingAutoPongs ?? MAX_PENDING_AUTO_PONGS) | 0;
    }
  }

  /** What ws hands to `pong()` as its callback when it answers a ping (receiverOnPing); made per ping, on the few sockets that are pinged. */
  get _autoPongComplete(): () => void {
    return autoPongSent.bind(this as unknown as WsInternals);
  }

  /** A WebSocket made with ws's own autoPong sets its closure here: kept as ws would keep it. */
  set _autoPongComplete(fn: () => void) {
    Object.defineProperty(this, '_autoPongComplete', { value: fn, writable: true, configurable: true, enumerable: true });
  }

  override close(code?: number, data?: string | Buffer): void {
    const self = this as unknown as WsInternals;
    if (self._socket) self._socket.end = endQuietly as Writable['end'];
    if (self._receiver) self._receiver.end = endQuietly as Writable['end'];
    super.close(code, data);
  }

  /** ws's last step of every close: `close` to the listeners. Then the parts go (see the class). */
  emitClose(): void {
    (WebSocket.prototype as unknown as { emitClose(this: WebSocket): void }).emitClose.call(this);
    const self = this as unknown as WsInternals;
    const receiver = self._receiver as unknown as Record<symbol, unknown> | null;
    if (receiver) for (const key of Object.getOwnPropertySymbols(receiver)) if (receiver[key] === this) receiver[key] = undefined;
    self._bufferedAmount = 0;
    self._socket = null;
    self._receiver = null;
    self._sender = null;
    self._closeTimer = null;
  }
}
