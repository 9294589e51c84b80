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
 * `ws`'s WebSocket (handed to WebSocketServer as its `WebSocket` class) whose
 * socket and frame receiver end quietly (see endQuietly) once it closes.
 * Every closing handshake passes through `close()`: ours, and the one `ws`
 * makes when the peer's close frame arrives, before that peer's FIN. Set then,
 * on streams about to go, nothing is kept for an open socket's whole life (a
 * property each from connect on cost ~50 bytes of heap per socket in the soak).
 * One shared function, no closure.
 */
export class QuietWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    const self = this as unknown as { _socket?: Writable | null; _receiver?: Writable };
    if (self._socket) self._socket.end = endQuietly as Writable['end'];
    if (self._receiver) self._receiver.end = endQuietly as Writable['end'];
    super.close(code, data);
  }
}
