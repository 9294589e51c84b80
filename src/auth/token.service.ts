import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createVerifier, TokenError } from 'fast-jwt';
import { AppConfig } from '../config/app-config';
import { UnauthenticatedError } from '../common/errors/domain-errors';
import { Role } from '../users/user.entity';
import { JwtAlgorithm, jwtKeys, jwtVerifierOptions } from './jwt-options';

export type { JwtAlgorithm } from './jwt-options';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  iat: number;
  exp: number;
}

/**
 * The only code that signs or verifies a JWT. It signs through @nestjs/jwt's
 * JwtService (jwt-options.ts: KeyObjects, the pinned algorithm, iss and aud)
 * and verifies with a fast-jwt verifier built once from the same key and
 * config: in a connect, jsonwebtoken's verify took 33-39 µs of ~250 and
 * fast-jwt's 24 (docs/capacity.md §1, 2026-12-06).
 */
@Injectable()
export class TokenService {
  readonly algorithm: JwtAlgorithm;
  readonly canSign: boolean;
  private readonly verifier: (token: string) => Record<string, unknown>;

  constructor(private readonly config: AppConfig, private readonly jwt: JwtService) {
    const keys = jwtKeys(config);
    this.algorithm = keys.algorithm;
    this.canSign = keys.signKey.type !== 'public';
    this.verifier = createVerifier(jwtVerifierOptions(config, keys));
  }

  /** Signs an access token for a session; `ttlS` defaults to JWT_ACCESS_TTL. */
  signAccess(claims: { sub: string; sid: string; role: Role }, ttlS = this.config.auth.accessTtlS): { token: string; expiresAt: Date } {
    if (!this.canSign) throw new Error('JWT_PRIVATE_KEY is not configured: this instance can verify tokens but not sign them');
    const token = this.jwt.sign({ sid: claims.sid, role: claims.role }, { subject: claims.sub, expiresIn: ttlS });
    const { exp } = this.jwt.decode<{ exp: number }>(token);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  /** Verifies signature, algorithm, iss, aud, exp and nbf (with leeway). Throws UnauthenticatedError with a reason. */
  verifyAccess(token: string): AccessClaims {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) throw new UnauthenticatedError('Invalid token', 'malformed');
    let payload: Record<string, unknown>;
    try {
      payload = this.verifier(token);
    } catch (err) {
      throw new UnauthenticatedError(...describeJwtError(err));
    }
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
      throw new UnauthenticatedError('Invalid token', 'claims');
    }
    const role: Role = payload.role === 'admin' ? 'admin' : 'user';
    return { sub: payload.sub, sid: payload.sid, role, iat: typeof payload.iat === 'number' ? payload.iat : 0, exp: payload.exp };
  }
}

const CODES = TokenError.codes;

/** fast-jwt's refusal as the message and reason the service reports (the reason goes to the audit and the metrics, never the token). */
function describeJwtError(err: unknown): [string, string] {
  if (!(err instanceof TokenError)) return ['Invalid token', 'invalid'];
  switch (err.code) {
    case CODES.expired: return ['Token expired', 'expired'];
    case CODES.inactive: return ['Token not yet valid', 'not_before'];
    case CODES.malformed: case CODES.invalidType: case CODES.invalidPayload: return ['Invalid token', 'malformed'];
    case CODES.invalidAlgorithm: return ['Invalid token', 'algorithm'];
    case CODES.invalidSignature: case CODES.missingSignature: return ['Invalid token', 'signature'];
    case CODES.invalidClaimType: case CODES.invalidClaimValue: case CODES.missingRequiredClaim: {
      // "The aud claim value is not allowed.", "The iss claim is required.", "The exp claim must be a number." ...
      const claim = /\b(aud|iss|exp|nbf|iat)\b/.exec(err.message)?.[1];
      return ['Invalid token', claim === 'aud' ? 'audience' : claim === 'iss' ? 'issuer' : 'claims'];
    }
    default: return ['Invalid token', 'invalid'];
  }
}
