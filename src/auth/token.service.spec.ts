import { createHmac, generateKeyPairSync } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { AppConfig } from '../config/app-config';
import { UnauthenticatedError } from '../common/errors/domain-errors';
import { JwtService } from '@nestjs/jwt';
import { jwtModuleOptions } from './jwt-options';
import { TokenService } from './token.service';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const ISS = 'portcullis';
const AUD = 'portcullis-clients';
const CLAIMS = { sub: 'user-1', sid: 'session-1', role: 'user' as const };

const service = (env: Record<string, string> = {}) => {
  const config = AppConfig.fromEnvironment({ NODE_ENV: 'test', JWT_SECRET: SECRET, ...env });
  return new TokenService(config, new JwtService(jwtModuleOptions(config)));
};
const now = () => Math.floor(Date.now() / 1000);
/** A token with exactly the claims given (no defaults filled in by jsonwebtoken), signed as told. */
const forge = (payload: object, key: jwt.Secret, algorithm: jwt.Algorithm) => jwt.sign(payload, key, { algorithm });
const without = (key: string) => Object.fromEntries(Object.entries(valid()).filter(([k]) => k !== key));
const valid = (over: object = {}) => ({ sid: CLAIMS.sid, role: 'user', sub: CLAIMS.sub, iss: ISS, aud: AUD, iat: now(), exp: now() + 600, ...over });

/** The reason verifyAccess refused `token` with; fails the test if it was accepted. */
function refusal(svc: TokenService, token: string): string {
  try {
    svc.verifyAccess(token);
  } catch (err) {
    expect(err).toBeInstanceOf(UnauthenticatedError);
    return (err as UnauthenticatedError).reason;
  }
  throw new Error('expected the token to be refused');
}

describe('TokenService', () => {
  describe('HS256 (default)', () => {
    const svc = service();

    it('round-trips its own tokens with iss, aud, sub, sid, role and the configured ttl', () => {
      const { token, expiresAt } = svc.signAccess({ ...CLAIMS, role: 'admin' });
      const decoded = jwt.decode(token, { complete: true })!;
      expect(decoded.header.alg).toBe('HS256');
      expect(decoded.payload).toMatchObject({ iss: ISS, aud: AUD, sub: 'user-1', sid: 'session-1', role: 'admin' });
      const claims = svc.verifyAccess(token);
      expect(claims).toMatchObject({ sub: 'user-1', sid: 'session-1', role: 'admin' });
      expect(claims.exp - claims.iat).toBe(900);
      expect(expiresAt.getTime()).toBe(claims.exp * 1000);
      expect(svc.verifyAccess(svc.signAccess(CLAIMS, 30).token).exp - now()).toBeLessThanOrEqual(30);
    });

    it('accepts a token forged exactly like its own (the other refusals below are not false negatives)', () => {
      expect(svc.verifyAccess(forge(valid(), SECRET, 'HS256')).sub).toBe('user-1');
    });

    it('refuses alg "none"', () => {
      const token = jwt.sign(valid(), '', { algorithm: 'none' });
      expect(token.endsWith('.')).toBe(true);
      expect(refusal(svc, token)).not.toBe('expired');
      // The same unsigned token with a made-up signature is refused too.
      expect(() => svc.verifyAccess(`${token}c2ln`)).toThrow(UnauthenticatedError);
    });

    it('refuses a token signed with another secret', () => {
      expect(refusal(svc, forge(valid(), 'another-secret-that-is-also-long-enough-000', 'HS256'))).toBe('signature');
    });

    it('refuses HS512 even with the right secret (the algorithm is pinned)', () => {
      expect(refusal(svc, forge(valid(), SECRET, 'HS512'))).toBe('algorithm');
    });

    it('refuses an expired token, and one not valid yet', () => {
      expect(refusal(svc, forge(valid({ iat: now() - 3600, exp: now() - 60 }), SECRET, 'HS256'))).toBe('expired');
      expect(refusal(svc, forge(valid({ nbf: now() + 60 }), SECRET, 'HS256'))).toBe('not_before');
    });

    it('tolerates clock skew up to JWT_LEEWAY_S and no more', () => {
      expect(svc.verifyAccess(forge(valid({ exp: now() - 3 }), SECRET, 'HS256')).sub).toBe('user-1');
      expect(svc.verifyAccess(forge(valid({ nbf: now() + 3 }), SECRET, 'HS256')).sub).toBe('user-1');
      expect(refusal(svc, forge(valid({ exp: now() - 8 }), SECRET, 'HS256'))).toBe('expired');
      expect(refusal(svc, forge(valid({ nbf: now() + 8 }), SECRET, 'HS256'))).toBe('not_before');
      const strict = service({ JWT_LEEWAY_S: '0' });
      expect(refusal(strict, forge(valid({ exp: now() - 2 }), SECRET, 'HS256'))).toBe('expired');
    });

    it('refuses a wrong issuer or audience, and a missing one', () => {
      expect(refusal(svc, forge(valid({ iss: 'someone-else' }), SECRET, 'HS256'))).toBe('issuer');
      expect(refusal(svc, forge(valid({ aud: 'other-clients' }), SECRET, 'HS256'))).toBe('audience');
      expect(refusal(svc, forge(without('iss'), SECRET, 'HS256'))).toBe('issuer');
      expect(refusal(svc, forge(without('aud'), SECRET, 'HS256'))).toBe('audience');
    });

    it('refuses tokens without sub, sid or exp, and garbage', () => {
      expect(refusal(svc, forge(without('sid'), SECRET, 'HS256'))).toBe('claims');
      expect(refusal(svc, forge(without('sub'), SECRET, 'HS256'))).toBe('claims');
      expect(refusal(svc, forge(without('exp'), SECRET, 'HS256'))).toBe('claims');
      expect(refusal(svc, 'not.a.jwt')).toBe('malformed');
      expect(refusal(svc, '')).toBe('malformed');
    });

    it('refuses date claims that are not numbers as claims, and a critical header it does not know', () => {
      // Signed by hand: jsonwebtoken's sign refuses a non-numeric exp.
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const hs256 = (header: object, payload: object) => {
        const input = `${b64(header)}.${b64(payload)}`;
        return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
      };
      const header = { alg: 'HS256', typ: 'JWT' };
      expect(svc.verifyAccess(hs256(header, valid())).sub).toBe('user-1');
      expect(refusal(svc, hs256(header, valid({ exp: String(now() + 600) })))).toBe('claims');
      expect(refusal(svc, hs256(header, valid({ nbf: 'soon' })))).toBe('claims');
      expect(refusal(svc, hs256({ ...header, crit: ['x-ext'], 'x-ext': 1 }, valid()))).toBe('invalid');
    });

    it('never grants admin from an unknown role value', () => {
      expect(svc.verifyAccess(forge(valid({ role: 'superuser' }), SECRET, 'HS256')).role).toBe('user');
    });
  });

  describe('RS256', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const svc = service({ JWT_PUBLIC_KEY: publicPem, JWT_PRIVATE_KEY: privatePem });

    it('signs and verifies with the key pair', () => {
      expect(svc.algorithm).toBe('RS256');
      const { token } = svc.signAccess(CLAIMS);
      expect(jwt.decode(token, { complete: true })!.header.alg).toBe('RS256');
      expect(svc.verifyAccess(token).sid).toBe('session-1');
      // Keys given with escaped newlines (as a one-line env var) work too.
      const oneLine = service({ JWT_PUBLIC_KEY: publicPem.replace(/\n/g, '\\n') });
      expect(oneLine.verifyAccess(token).sub).toBe('user-1');
    });

    it('refuses an HS256 token whose secret is the public key PEM (algorithm confusion)', () => {
      const token = forge(valid(), Buffer.from(publicPem), 'HS256');
      expect(jwt.decode(token, { complete: true })!.header.alg).toBe('HS256');
      expect(refusal(svc, token)).toBe('algorithm');
    });

    it('refuses a token signed by another key pair, and HS256 tokens made with JWT_SECRET', () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      expect(refusal(svc, forge(valid(), other, 'RS256'))).toBe('signature');
      expect(refusal(svc, service().signAccess(CLAIMS).token)).toBe('algorithm');
    });

    it('verifies but cannot sign with only the public key', () => {
      const verifier = service({ JWT_PUBLIC_KEY: publicPem });
      expect(verifier.canSign).toBe(false);
      expect(() => verifier.signAccess(CLAIMS)).toThrow(/JWT_PRIVATE_KEY/);
      expect(verifier.verifyAccess(svc.signAccess(CLAIMS).token).sub).toBe('user-1');
    });
  });

  describe('ES256', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const svc = service({
      JWT_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });

    it('signs and verifies with the key pair, and refuses RS256 and foreign keys', () => {
      expect(svc.algorithm).toBe('ES256');
      const { token } = svc.signAccess(CLAIMS);
      expect(jwt.decode(token, { complete: true })!.header.alg).toBe('ES256');
      expect(svc.verifyAccess(token).sub).toBe('user-1');
      const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      expect(refusal(svc, forge(valid(), otherEc, 'ES256'))).toBe('signature');
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      expect(refusal(svc, forge(valid(), rsa, 'RS256'))).toBe('algorithm');
    });
  });
});
