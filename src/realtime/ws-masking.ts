import type { Writable } from 'node:stream';

/**
 * How `ws` unmasks the frames clients send (every client frame is masked, RFC 6455 §5.3):
 * natively, through bufferutil (a dependency) or a Node.js built-in, or byte by byte in
 * JavaScript. The JavaScript loop ran at ~110 instructions a byte here: for a first-frame
 * `auth` carrying a JWT, ~37k instructions of a connect's ~645k (docs/capacity.md §1,
 * 2026-12-06 evening). ws falls back to it silently when bufferutil did not load (no
 * prebuilt binary for the platform and its install script not run); the service says so
 * at start (the `listening` line's `wsMasking`).
 */
export type WsMasking = 'native' | 'javascript';

interface Unmask { unmask(buffer: Buffer, mask: Buffer): void }
/** ws's frame parser: exported by ws, not declared by @types/ws. */
type ReceiverClass = new (options: { isServer: boolean }) => Writable;

/**
 * What ws does with a client frame long enough for its native path (from 32 bytes): one
 * masked 64-byte text frame goes through a ws Receiver while bufferutil's unmask is watched.
 */
export function wsMasking(): WsMasking {
  // ws ≥ 8.18 prefers Node's own masking when it has one: Node 26 does, 20 and 24 do not.
  if (typeof (require('node:http') as { websocketUnmask?: unknown }).websocketUnmask === 'function') return 'native';
  let native: Unmask;
  try {
    native = require('bufferutil') as Unmask;
  } catch {
    return 'javascript';
  }
  // bufferutil's own JavaScript fallback is no faster than ws's: only its binary counts.
  if (!Function.prototype.toString.call(native.unmask).includes('[native code]')) return 'javascript';
  const original = native.unmask;
  let called = false;
  native.unmask = (buffer, mask) => {
    called = true;
    original(buffer, mask);
  };
  try {
    const text = 'x'.repeat(64);
    let received: string | undefined;
    const { Receiver } = require('ws') as { Receiver: ReceiverClass };
    const receiver = new Receiver({ isServer: true });
    receiver.on('message', (data: Buffer) => (received = data.toString()));
    receiver.write(maskedTextFrame(text, Buffer.from([1, 2, 3, 4])));
    // Natively unmasked, and unmasked right.
    return called && received === text ? 'native' : 'javascript';
  } finally {
    native.unmask = original;
  }
}

/** A client's frame: FIN + text, the mask bit and a length under 126, the mask, the masked payload. */
function maskedTextFrame(text: string, mask: Buffer): Buffer {
  const payload = Buffer.from(text);
  const masked = payload.map((b, i) => b ^ mask[i & 3]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}
