import { IsInt, IsString, isIn, isISO8601, isObject, isString, Length, length, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';
import { CLIENT_FRAME, ClientFrameType } from './frame-types';

export class AuthPayload { @IsString() @MinLength(1) @MaxLength(8192) token: string }
/** Length is checked by the conversations service in characters (code points), not UTF-16 units. */
export class ChatPayload { @IsString() @MinLength(1) @MaxLength(8000) content: string }
export class ResumePayload { @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) afterSeq: number }
export class EmptyPayload {}
export class StartPayload { @IsString() @Length(1, 64) format: string }

/** The discriminated union: the payload DTO for each client frame type. */
const PAYLOADS: Record<ClientFrameType, new () => object> = {
  auth: AuthPayload, chat_message: ChatPayload, resume: ResumePayload, ping: EmptyPayload, start: StartPayload, stop: EmptyPayload,
};

export interface ClientFrameMap {
  auth: AuthPayload; chat_message: ChatPayload; resume: ResumePayload; ping: EmptyPayload; start: StartPayload; stop: EmptyPayload;
}
export type ClientFrame = { [K in ClientFrameType]: { type: K; id: string; timestamp?: string; payload: ClientFrameMap[K] } }[ClientFrameType];
/** A frame whose envelope is valid; its payload is checked by the handler's DTO (the payload pipe). */
export interface Envelope { type: ClientFrameType; id: string; timestamp?: string; payload: Record<string, unknown> }

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; message: string; refId?: string };

/**
 * Parses one text frame and validates its envelope only: what the adapter needs
 * to route it. The message names the offending field and never echoes a value.
 */
export function parseEnvelope(text: string): ParseResult<Envelope> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'frame is not valid JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, message: 'frame must be a JSON object' };
  const obj = raw as Record<string, unknown>;
  const refId = typeof obj.id === 'string' && obj.id.length <= 128 ? obj.id : undefined;
  if (obj.payload === undefined) obj.payload = {};
  const error = envelopeError(obj);
  if (error) return { ok: false, message: error, refId };
  return { ok: true, frame: { type: obj.type as ClientFrameType, id: obj.id as string, timestamp: obj.timestamp as string | undefined, payload: obj.payload as Record<string, unknown> } };
}

const FRAME_TYPES: readonly unknown[] = Object.values(CLIENT_FRAME);

/**
 * The envelope every client frame must have, `{type, id, timestamp?, payload}`:
 * `type` one of CLIENT_FRAME, `id` a string of 1 to 128 characters,
 * `timestamp` absent, null or ISO 8601, `payload` an object. The rules are
 * class-validator's own (isIn, length, isISO8601, isObject), called directly
 * and answered as its validator would, first failing field first: this runs
 * for every frame, and the validator's per-call machinery cost more than the
 * four checks. A property test holds it to the same verdicts and messages as
 * the equivalent decorated DTO.
 */
export function envelopeError(frame: Record<string, unknown>): string | undefined {
  if (!isIn(frame.type, FRAME_TYPES as unknown[])) return 'type: unknown frame type';
  if (!length(frame.id, 1, 128)) return `id: invalid (${isString(frame.id) ? 'isLength' : 'isLength, isString'})`;
  const { timestamp } = frame;
  if (timestamp !== undefined && timestamp !== null && !isISO8601(timestamp)) return 'timestamp: invalid (isIso8601)';
  if (!isObject(frame.payload)) return 'payload: invalid (isObject)';
  return undefined;
}

/** Validates a payload against its DTO class; the error names the field (`payload.content: invalid (...)`). */
export function payloadError(cls: new () => object, payload: object, prefix = 'payload.'): string | undefined {
  return firstError(assign(cls, payload), prefix);
}

/** Envelope and payload together, for a frame read outside a handler (the first-frame `auth`) and for tests. */
export function parseClientFrame(text: string): ParseResult<ClientFrame> {
  const parsed = parseEnvelope(text);
  if (!parsed.ok) return parsed;
  const error = payloadError(PAYLOADS[parsed.frame.type], parsed.frame.payload);
  if (error) return { ok: false, message: error, refId: parsed.frame.id };
  return { ok: true, frame: parsed.frame as unknown as ClientFrame };
}

/**
 * The DTOs use no transforms, so a plain assign onto an instance is all
 * class-validator needs; class-transformer's walk cost more than the checks
 * themselves on the per-frame path.
 */
function assign<T extends object>(cls: new () => T, value: object): T {
  const instance = new cls() as Record<string, unknown>;
  // Never copy `__proto__` (JSON.parse makes it an own key): it would swap the prototype and so the DTO's rules.
  for (const key of Object.keys(value)) if (key !== '__proto__' && key !== 'constructor') instance[key] = (value as Record<string, unknown>)[key];
  return instance as T;
}

function firstError(instance: object, prefix = ''): string | undefined {
  // Only the failed constraints' names are used: no default messages, which also cannot then be made to throw
  // (a value like {"length": {"toString": ""}} did, in Length's message, from a fuzzed frame).
  const [err] = validateSync(instance, { forbidUnknownValues: false, dismissDefaultMessages: true });
  if (!err) return undefined;
  const kinds = Object.keys(err.constraints ?? {});
  if (err.property === 'type' && kinds.includes('isIn')) return 'type: unknown frame type';
  return `${prefix}${err.property}: invalid (${kinds.join(', ') || 'nested'})`;
}
