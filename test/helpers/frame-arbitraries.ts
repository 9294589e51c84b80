import fc from 'fast-check';
import { CLIENT_FRAME } from '../../src/realtime/frame-types';

/**
 * Generators of what a hostile or broken client sends as WebSocket frames,
 * shared by the parser's property spec and the socket fuzz test.
 */

/** A value no honest frame carries: if it shows up in a server message, the server echoed client input. */
export const MARKER = 'Zq7-marker-Zq7';

/** Keys that have tripped validators and object walkers elsewhere, mixed with the contract's own. */
export const frameKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'length'),
  fc.constantFrom('type', 'id', 'timestamp', 'payload', 'token', 'content', 'afterSeq', 'format'),
  fc.string({ maxLength: 12 }),
);

export const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(MARKER)),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(frameKey, tie('node'), { maxKeys: 5 })),
})).node;

/** Envelopes close enough to valid that the payload checks run, with every field sometimes wrong. */
export const nearFrame = fc.record({
  type: fc.oneof(fc.constantFrom(...Object.values(CLIENT_FRAME)), fc.string({ maxLength: 16 }), jsonValue),
  id: fc.oneof(fc.string({ minLength: 1, maxLength: 130 }), jsonValue),
  timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), jsonValue),
  payload: fc.oneof(fc.dictionary(frameKey, jsonValue, { maxKeys: 4 }), jsonValue),
}, { requiredKeys: [] });

/** Well-formed frames a real client sends (chat_message often, since storing one is the act to watch for). */
export const validFrame = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('chat_message'), id: fc.uuid(), payload: fc.record({ content: fc.string({ minLength: 1, maxLength: 40 }) }) }) },
  fc.record({ type: fc.constant('ping'), id: fc.uuid(), payload: fc.constant({}) }),
  fc.record({ type: fc.constant('resume'), id: fc.uuid(), payload: fc.record({ afterSeq: fc.nat(50) }) }),
  fc.record({ type: fc.constant('auth'), id: fc.uuid(), payload: fc.record({ token: fc.string({ minLength: 1, maxLength: 60 }) }) }),
);

/** Text as it comes off the wire: junk, any JSON, near-frames, and raw JSON with duplicate and prototype keys. */
export const frameText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  nearFrame.map((f) => JSON.stringify(f)),
  validFrame.map((f) => JSON.stringify(f)),
  fc.tuple(frameKey, fc.json({ maxDepth: 2 }), nearFrame).map(([k, v, f]) => `{${JSON.stringify(k)}:${v},${JSON.stringify(f).slice(1)}`),
);

/** One frame on the wire: text, or binary. */
export type WireFrame = { text: string } | { binary: Uint8Array };
export const wireFrame = (oversizedBytes: number): fc.Arbitrary<WireFrame> => fc.oneof(
  { weight: 8, arbitrary: frameText.map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((binary) => ({ binary })) },
  { weight: 1, arbitrary: fc.constant({ text: 'x'.repeat(oversizedBytes) }) },
);
