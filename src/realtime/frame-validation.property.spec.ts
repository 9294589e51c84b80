import { IsIn, IsISO8601, IsObject, IsOptional, IsString, Length, validateSync } from 'class-validator';
import fc from 'fast-check';
import { CLIENT_FRAME } from './frame-types';
import { frameText, jsonValue, MARKER, nearFrame } from '../../test/helpers/frame-arbitraries';
import { envelopeError, parseClientFrame, ParseResult } from './frame-validation';

/** The envelope as a decorated DTO through class-validator: what parseEnvelope's direct checks must agree with. */
class EnvelopeDto {
  @IsIn(Object.values(CLIENT_FRAME)) type: string;
  @IsString() @Length(1, 128) id: string;
  @IsOptional() @IsISO8601() timestamp?: string;
  @IsObject() payload: Record<string, unknown>;
}

/** The first error class-validator reports for the DTO, as parseEnvelope words it; undefined when the envelope is valid. */
function dtoError(frame: Record<string, unknown>): string | undefined {
  const dto = Object.assign(new EnvelopeDto(), { type: frame.type, id: frame.id, timestamp: frame.timestamp, payload: frame.payload });
  const [err] = validateSync(dto, { forbidUnknownValues: false, dismissDefaultMessages: true });
  if (!err) return undefined;
  const kinds = Object.keys(err.constraints ?? {});
  return err.property === 'type' && kinds.includes('isIn') ? 'type: unknown frame type' : `${err.property}: invalid (${kinds.join(', ')})`;
}

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
  it('checks the envelope exactly as class-validator does with the decorated DTO: same verdict, same message', () => {
    const edgy = fc.record({
      type: fc.oneof(fc.constantFrom(...Object.values(CLIENT_FRAME)), jsonValue),
      id: fc.oneof(fc.string({ maxLength: 130 }), fc.constantFrom('', 'x'.repeat(128), 'x'.repeat(129), '😀'.repeat(100), '😀'.repeat(65)), jsonValue),
      timestamp: fc.oneof(fc.constant(undefined), fc.constant(null), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2020-01-01', '2020-13-01', 'now'), jsonValue),
      payload: fc.oneof(fc.constant(null), fc.constant([]), fc.constant({}), jsonValue),
    }, { requiredKeys: [] });
    // Through JSON, as frames arrive: what the wire can carry, and nothing else.
    const frames = fc.oneof(nearFrame, edgy).map((f) => JSON.parse(JSON.stringify(f)) as Record<string, unknown>);
    fc.assert(fc.property(frames, (f) => {
      expect(envelopeError(f)).toEqual(dtoError(f));
    }), { numRuns: 2000 });
  });

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
