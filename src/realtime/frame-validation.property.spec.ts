import fc from 'fast-check';
import { CLIENT_FRAME } from './frame-types';
import { parseClientFrame, ParseResult } from './frame-validation';

/**
 * Properties of the one parser every client frame goes through (issue 12):
 * whatever arrives, it returns (never throws), a refusal carries a message
 * that names the field and never echoes a value, and what it accepts is
 * exactly a frame of the contract's shape.
 */
const RUNS = { numRuns: 300 };
/** A value no honest frame carries: if it shows up in a message, the parser echoed client input. */
const MARKER = 'Zq7-marker-Zq7';

/** Keys that have tripped validators and object walkers elsewhere, mixed with the contract's own. */
const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then', 'length'),
  fc.constantFrom('type', 'id', 'timestamp', 'payload', 'token', 'content', 'afterSeq', 'format'),
  fc.string({ maxLength: 12 }),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(MARKER)),
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 5 })),
})).node;
const frameType = fc.oneof(fc.constantFrom(...Object.values(CLIENT_FRAME)), fc.string({ maxLength: 16 }), value);
/** Envelopes close enough to valid that the payload checks run, with every field sometimes wrong. */
const nearFrame = fc.record({
  type: frameType,
  id: fc.oneof(fc.string({ minLength: 1, maxLength: 130 }), value),
  timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), value),
  payload: fc.oneof(fc.dictionary(key, value, { maxKeys: 4 }), value),
}, { requiredKeys: [] });

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  nearFrame.map((f) => JSON.stringify(f)),
  // Raw JSON with duplicate and prototype keys, which JSON.stringify would never write.
  fc.tuple(key, fc.json({ maxDepth: 2 }), nearFrame).map(([k, v, f]) => `{${JSON.stringify(k)}:${v},${JSON.stringify(f).slice(1)}`),
);

function expectWellFormedRefusal(r: ParseResult): void {
  if (r.ok) return;
  expect(typeof r.message).toBe('string');
  expect(r.message.length).toBeGreaterThan(0);
  expect(r.message).not.toContain(MARKER);
  expect(r.message).toMatch(/^(frame is not valid JSON|frame must be a JSON object|type: unknown frame type|(payload\.)?[\w$]+: invalid \([\w, ]+\))$/);
  if (r.refId !== undefined) expect(typeof r.refId).toBe('string');
}

describe('parseClientFrame (properties)', () => {
  it('never throws, and every refusal is a plain message naming a field, never a value', () => {
    fc.assert(fc.property(text, (t) => expectWellFormedRefusal(parseClientFrame(t))), RUNS);
  });

  it('accepts only frames of the contract\'s shape, and hands them on unchanged', () => {
    fc.assert(fc.property(nearFrame, (f) => {
      const r = parseClientFrame(JSON.stringify(f));
      if (!r.ok) return;
      expect(Object.values(CLIENT_FRAME)).toContain(r.frame.type);
      expect(typeof r.frame.id).toBe('string');
      expect(r.frame.id.length).toBeGreaterThanOrEqual(1);
      expect(r.frame.id.length).toBeLessThanOrEqual(128);
      expect(r.frame.payload).toEqual(JSON.parse(JSON.stringify(f)).payload ?? {});
      const p = r.frame.payload as Record<string, unknown>;
      if (r.frame.type === 'auth') expect(typeof p.token).toBe('string');
      if (r.frame.type === 'chat_message') expect(typeof p.content).toBe('string');
      if (r.frame.type === 'resume') expect(Number.isSafeInteger(p.afterSeq) && (p.afterSeq as number) >= 0).toBe(true);
    }), RUNS);
  });

  it('accepts every well-formed frame of each type', () => {
    const id = fc.string({ minLength: 1, maxLength: 128 });
    const ts = fc.option(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()), { nil: undefined });
    const payloads = {
      auth: fc.record({ token: fc.string({ minLength: 1, maxLength: 8192 }) }),
      chat_message: fc.record({ content: fc.string({ minLength: 1, maxLength: 4000 }) }),
      resume: fc.record({ afterSeq: fc.maxSafeNat() }),
      ping: fc.constant({}),
      start: fc.record({ format: fc.string({ minLength: 1, maxLength: 64 }) }),
      stop: fc.constant({}),
    };
    const valid = fc.oneof(...Object.entries(payloads).map(([type, payload]) => fc.record({ type: fc.constant(type), id, timestamp: ts, payload })));
    fc.assert(fc.property(valid, (f) => {
      const r = parseClientFrame(JSON.stringify(f));
      expect(r).toMatchObject({ ok: true, frame: { type: f.type, id: f.id, payload: f.payload } });
    }), RUNS);
  });

  it('an auth frame whose token is missing, not a string, empty or too long is refused naming payload.token, with its refId', () => {
    const badToken = fc.oneof(fc.constant(undefined), fc.constant(''), fc.string({ minLength: 8193, maxLength: 9000 }),
      value.filter((v) => typeof v !== 'string'));
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 128 }), badToken, (id, token) => {
      const r = parseClientFrame(JSON.stringify({ type: 'auth', id, payload: token === undefined ? {} : { token } }));
      expect(r).toMatchObject({ ok: false, refId: id });
      expect(!r.ok && r.message).toMatch(/^payload\.token: invalid/);
    }), RUNS);
  });
});
