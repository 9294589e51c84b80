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

/**
 * `ws`'s WebSocket (handed to WebSocketServer as its `WebSocket` class) with a
 * compact listener table (see listenerTable), whose
 * socket and frame receiver end quietly (see endQuietly) once it closes.
 * Every closing handshake passes through `close()`: ours, and the one `ws`
 * makes when the peer's close frame arrives, before that peer's FIN. Set then,
 * on streams about to go, nothing is kept for an open socket's whole life (a
 * property each from connect on cost ~50 bytes of heap per socket in the soak).
 * One shared function, no closure.
 */
export class QuietWebSocket extends WebSocket {
  /** ws's own arguments, passed on as they are (WebSocketServer makes each server socket with `(null, undefined, options)`). */
  constructor(...args: unknown[]) {
    super(...(args as ConstructorParameters<typeof WebSocket>));
    (this as unknown as { _events: object })._events = listenerTable();
  }

  override close(code?: number, data?: string | Buffer): void {
    const self = this as unknown as { _socket?: Writable | null; _receiver?: Writable };
    if (self._socket) self._socket.end = endQuietly as Writable['end'];
    if (self._receiver) self._receiver.end = endQuietly as Writable['end'];
    super.close(code, data);
  }
}
