import type { Duplex, Writable } from 'node:stream';
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
 * and drops it. Building those three errors was about a tenth of the
 * instructions of a connect-and-close here (docs/capacity.md §1).
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
 * socket and frame receiver end quietly (see endQuietly). One shared function
 * per stream, no closure: nothing more is kept per socket than the property.
 */
export class QuietWebSocket extends WebSocket {
  /** ws's own (undocumented, so untyped) hook where a server-side WebSocket takes its socket. */
  setSocket(socket: Duplex, head: Buffer, options: unknown): void {
    (WebSocket.prototype as unknown as { setSocket: (s: Duplex, h: Buffer, o: unknown) => void }).setSocket.call(this, socket, head, options);
    (socket as Writable).end = endQuietly as Writable['end'];
    const receiver = (this as unknown as { _receiver?: Writable })._receiver;
    if (receiver) receiver.end = endQuietly as Writable['end'];
  }
}
