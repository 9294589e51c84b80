import type { OutFrame } from './outbox.js';

/**
 * Frame ids must be unique per sender for the life of a user: the server
 * dedupes chat messages by (author, id), so a collision would swallow a
 * message. crypto.getRandomValues exists in browsers (secure context or not)
 * and in Node 20+.
 */
export function newFrameId(): string {
  const c = (globalThis as { crypto?: { getRandomValues?<T extends ArrayBufferView>(a: T): T } }).crypto;
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return 'c-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function makeFrame(type: string, payload: unknown): OutFrame {
  return { type, id: newFrameId(), timestamp: new Date().toISOString(), payload };
}

export interface InboundFrame {
  type: string;
  id?: string;
  refId?: string;
  payload: any;
}

/** Parses a server text frame; anything that is not a frame object is ignored (null). */
export function parseFrame(data: unknown): InboundFrame | null {
  if (typeof data !== 'string') return null;
  try {
    const f = JSON.parse(data) as InboundFrame;
    return f && typeof f === 'object' && typeof f.type === 'string' ? { ...f, payload: f.payload ?? {} } : null;
  } catch {
    return null;
  }
}
