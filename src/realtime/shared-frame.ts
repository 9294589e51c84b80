import { WebSocket } from 'ws';

/** `ws`'s own framing (RFC 6455 §5.2), public in `ws` but not in its type definitions. */
type FrameFn = (data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }) => Buffer[];
const frameOf: FrameFn = (WebSocket as unknown as { Sender: { frame: FrameFn } }).Sender.frame;
const TEXT = 0x1;

/**
 * A text frame serialised, UTF-8 encoded and framed once for every socket it
 * goes to (fan-out). Server-to-client frames are never masked (RFC 6455 §5.1)
 * and this server negotiates no extension (`perMessageDeflate: false`), so the
 * bytes on the wire are the same for every recipient: `wire` is written as it
 * is to each socket, one write, where `ws.send` would make a header, an options
 * object and two writes per socket.
 */
export class SharedFrame {
  /** The whole frame as it goes on the wire: header, then the payload. */
  readonly wire: Buffer;
  /** The payload's length in bytes (what the traffic counters and the held-bytes limit count). */
  readonly payloadBytes: number;

  constructor(payload: Buffer) {
    this.wire = Buffer.concat(frameOf(payload, { fin: true, opcode: TEXT, mask: false, readOnly: true, rsv1: false }));
    this.payloadBytes = payload.length;
  }

  static of(value: unknown): SharedFrame {
    return new SharedFrame(Buffer.from(JSON.stringify(value)));
  }

  /** The payload (a view of `wire`): for what reads a frame back, e.g. a socket's held frames. */
  get payload(): Buffer {
    return this.wire.subarray(this.wire.length - this.payloadBytes);
  }
}
