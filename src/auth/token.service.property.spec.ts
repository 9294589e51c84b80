import fc from 'fast-check';
import * as jwt from 'jsonwebtoken';
import { JwtService } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { UnauthenticatedError } from '../common/errors/domain-errors';
import { jwtKeys, jwtModuleOptions } from './jwt-options';
import { TokenService } from './token.service';

/**
 * The access-token verifier moved from jsonwebtoken (through @nestjs/jwt) to
 * fast-jwt (2026-12-06). The verify it replaced is kept here as the model: on
 * any token a client could present (claims present, missing, of the wrong
 * type or value, dates on either side of the leeway, signed with the right or
 * another secret, another algorithm, none, or a broken signature), the service
 * accepts exactly what the model accepts, with the same claims, and refuses
 * with the model's reason whenever the token has one fault. (With several, the
 * two libraries check in a slightly different order: either refusal is right.)
 * One difference is deliberate and tested in token.service.spec.ts: a date
 * claim that is not a number reads `claims`, where the model said `signature`.
 */
const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const ISS = 'portcullis';
const AUD = 'portcullis-clients';
const LEEWAY_S = 5;

const config = AppConfig.fromEnvironment({ NODE_ENV: 'test', JWT_SECRET: SECRET, JWT_LEEWAY_S: String(LEEWAY_S) });
const service = new TokenService(config, new JwtService(jwtModuleOptions(config)));

/** The verify that ran until 2026-12-06: jsonwebtoken through @nestjs/jwt, and its reasons. */
const modelJwt = new JwtService({ publicKey: jwtKeys(config).verifyKey, verifyOptions: { algorithms: ['HS256'], issuer: ISS, audience: AUD, clockTolerance: LEEWAY_S } });
function model(token: string): { ok: true; claims: object } | { ok: false; reason: string } {
  let payload: jwt.JwtPayload;
  try {
    payload = modelJwt.verify<jwt.JwtPayload>(token);
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) return { ok: false, reason: 'expired' };
    if (err instanceof jwt.NotBeforeError) return { ok: false, reason: 'not_before' };
    if (err instanceof jwt.JsonWebTokenError) {
      if (/audience/.test(err.message)) return { ok: false, reason: 'audience' };
      if (/issuer/.test(err.message)) return { ok: false, reason: 'issuer' };
      if (/malformed|jwt must be|^invalid token$/.test(err.message)) return { ok: false, reason: 'malformed' };
      if (/algorithm/.test(err.message)) return { ok: false, reason: 'algorithm' };
      return { ok: false, reason: 'signature' };
    }
    return { ok: false, reason: 'invalid' };
  }
  if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return { ok: false, reason: 'claims' };
  return { ok: true, claims: { sub: payload.sub, sid: payload.sid, role: payload.role === 'admin' ? 'admin' : 'user', iat: payload.iat ?? 0, exp: payload.exp } };
}

function actual(token: string): { ok: true; claims: object } | { ok: false; reason: string } {
  try {
    return { ok: true, claims: service.verifyAccess(token) };
  } catch (err) {
    expect(err).toBeInstanceOf(UnauthenticatedError);
    return { ok: false, reason: (err as UnauthenticatedError).reason };
  }
}

const now = () => Math.floor(Date.now() / 1000);
const MISSING = Symbol('missing');
/** Offsets in seconds, none within a second of the leeway's edge (the two libraries round time differently there). */
const offset = fc.constantFrom(-86_400, -60, -8, -3, 3, 8, 60, 86_400);

/** A claim: the good value (weighted), or a fault of its own kind. */
const claim = <T>(good: T, faults: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant({ value: good as unknown, fault: false }) }, { weight: 1, arbitrary: faults.map((value) => ({ value, fault: true })) });
const missing = fc.constant<unknown>(MISSING);

const payload = fc.record({
  sub: claim('user-1', fc.oneof(missing, fc.integer())),
  sid: claim('session-1', fc.oneof(missing, fc.constant(null))),
  role: fc.constantFrom('user', 'admin', 'superuser', MISSING).map((value) => ({ value, fault: false })),
  iss: claim(ISS, fc.oneof(missing, fc.constantFrom('someone-else', `${ISS} `, ISS.toUpperCase()), fc.constant(7), fc.constant([ISS]))),
  aud: fc.oneof(
    claim<unknown>(AUD, fc.oneof(missing, fc.constantFrom('other-clients', `${AUD}x`), fc.constant(7), fc.constant([]), fc.constant(['other-clients']))),
    fc.constant({ value: [AUD, 'other-clients'], fault: false }),
  ),
  exp: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(60, 600, 86_400).map((s) => ({ rel: s as number | typeof MISSING, fault: false })) },
    { weight: 1, arbitrary: fc.oneof(fc.constant(MISSING), fc.constantFrom(-86_400, -60, -8)).map((rel) => ({ rel, fault: true })) },
    { weight: 1, arbitrary: fc.constant(-3).map((rel) => ({ rel, fault: false })) }),
  nbf: fc.oneof(fc.constant({ rel: MISSING as number | typeof MISSING, fault: false }), offset.map((rel) => ({ rel, fault: rel > LEEWAY_S }))),
  iat: fc.oneof(fc.constant(MISSING as number | typeof MISSING), offset),
});

/** How the token is signed: as the service's own, or faulty in one of the ways an attacker or a broken client tries. */
const signing = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ how: 'good', fault: false }) },
  { weight: 1, arbitrary: fc.constantFrom('other-secret', 'hs512', 'none', 'none-with-signature', 'broken-signature').map((how) => ({ how, fault: true })) },
);

type Generated = { iat: number | typeof MISSING } & Record<string, unknown>;

function build(p: Generated, how: string): string {
  const body: Record<string, unknown> = {};
  const t = now();
  for (const [k, v] of Object.entries(p)) {
    if (k === 'iat' || typeof v !== 'object' || v === null) continue;
    if ('value' in v && v.value !== MISSING) body[k] = v.value;
    if ('rel' in v && v.rel !== MISSING) body[k] = t + (v.rel as number);
  }
  if (typeof p.iat === 'number') body.iat = t + p.iat;
  const opts = { noTimestamp: true } as const;
  switch (how) {
    case 'other-secret': return jwt.sign(body, 'another-secret-that-is-also-long-enough-000', { ...opts, algorithm: 'HS256' });
    case 'hs512': return jwt.sign(body, SECRET, { ...opts, algorithm: 'HS512' });
    case 'none': return jwt.sign(body, '', { ...opts, algorithm: 'none' });
    case 'none-with-signature': return `${jwt.sign(body, '', { ...opts, algorithm: 'none' })}c2lnbmF0dXJl`;
    case 'broken-signature': {
      // A character in the middle of the signature: the last one can differ only in padding bits.
      const token = jwt.sign(body, SECRET, { ...opts, algorithm: 'HS256' });
      const i = token.length - 10;
      return `${token.slice(0, i)}${token[i] === 'A' ? 'B' : 'A'}${token.slice(i + 1)}`;
    }
    default: return jwt.sign(body, SECRET, { ...opts, algorithm: 'HS256' });
  }
}

describe('TokenService.verifyAccess against the jsonwebtoken verify it replaced (property)', () => {
  it('accepts what the model accepts, with the same claims, and refuses a one-fault token for the same reason', () => {
    let accepted = 0; let singleFault = 0;
    fc.assert(fc.property(payload, signing, (p, s) => {
      const token = build(p, s.how);
      const want = model(token);
      const got = actual(token);
      expect(got.ok).toBe(want.ok);
      if (want.ok && got.ok) { accepted++; expect(got.claims).toEqual(want.claims); }
      const faults = [...Object.values(p).filter((v) => typeof v === 'object' && v !== null && 'fault' in v && v.fault), ...(s.fault ? [s] : [])].length;
      if (!want.ok && !got.ok && faults === 1) { singleFault++; expect(got.reason).toBe(want.reason); }
    }), { numRuns: 2000 });
    // The generators reach both sides of the line: tokens accepted, and refused for one reason each.
    expect(accepted).toBeGreaterThan(100);
    expect(singleFault).toBeGreaterThan(300);
  });
});
