import fc from 'fast-check';
import { CLIENT_FRAME } from './frame-types';
import { frameText, jsonValue, MARKER, nearFrame } from '../../test/helpers/frame-arbitraries';
import { parseClientFrame, ParseResult } from './frame-validation';

/**
 * Properties of the one parser every client frame goes through (issue 12):
 * whatever arrives, it returns (never throws), a refusal carries a message
 * that names the field and never echoes a value, and what it accepts is
 * exactly a frame of the contract's shape.
 */
const RUNS = { numRuns: 300 };
function expectWellFormedRefusal(r: ParseResult<unknown>): void {
  if (r.ok) return;
  expect(typeof r.message).toBe('string');
  expect(r.message.length).toBeGreaterThan(0);
  expect(r.message).not.toContain(MARKER);
  expect(r.message).toMatch(/^(frame is not valid JSON|frame must be a JSON object|type: unknown frame type|(payload\.)?[\w$]+: invalid \([\w, ]+\))$/);
  if (r.refId !== undefined) expect(typeof r.refId).toBe('string');
}

describe('parseClientFrame (properties)', () => {
  it('never throws, and every refusal is a plain message naming a field, never a value', () => {
    fc.assert(fc.property(frameText, (t) => expectWellFormedRefusal(parseClientFrame(t))), RUNS);
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
      jsonValue.filter((v) => typeof v !== 'string'));
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 128 }), badToken, (id, token) => {
      const r = parseClientFrame(JSON.stringify({ type: 'auth', id, payload: token === undefined ? {} : { token } }));
      expect(r).toMatchObject({ ok: false, refId: id });
      expect(!r.ok && r.message).toMatch(/^payload\.token: invalid/);
    }), RUNS);
  });
});
