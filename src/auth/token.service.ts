import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import * as jwt from 'jsonwebtoken';
import { AppConfig } from '../config/app-config';
import { UnauthenticatedError } from '../common/errors/domain-errors';
import { Role } from '../users/user.entity';
import { JwtAlgorithm, jwtKeys } from './jwt-options';

export type { JwtAlgorithm } from './jwt-options';

export interface AccessClaims {
  sub: string;
  sid: string;
  role: Role;
  iat: number;
  exp: number;
}

/**
 * The only code that signs or verifies a JWT, through @nestjs/jwt's JwtService
 * configured (jwt-options.ts) with KeyObjects and the pinned algorithm.
 */
@Injectable()
export class TokenService {
  readonly algorithm: JwtAlgorithm;
  readonly canSign: boolean;

  constructor(private readonly config: AppConfig, private readonly jwt: JwtService) {
    const keys = jwtKeys(config);
    this.algorithm = keys.algorithm;
    this.canSign = keys.signKey.type !== 'public';
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
    let payload: jwt.JwtPayload | string;
    try {
      payload = this.jwt.verify<jwt.JwtPayload>(token);
    } catch (err) {
      throw new UnauthenticatedError(...describeJwtError(err));
    }
    if (typeof payload === 'string' || typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
      throw new UnauthenticatedError('Invalid token', 'claims');
    }
    const role: Role = payload.role === 'admin' ? 'admin' : 'user';
    return { sub: payload.sub, sid: payload.sid, role, iat: payload.iat ?? 0, exp: payload.exp };
  }
}

function describeJwtError(err: unknown): [string, string] {
  if (err instanceof jwt.TokenExpiredError) return ['Token expired', 'expired'];
  if (err instanceof jwt.NotBeforeError) return ['Token not yet valid', 'not_before'];
  if (err instanceof jwt.JsonWebTokenError) {
    if (/audience/.test(err.message)) return ['Invalid token', 'audience'];
    if (/issuer/.test(err.message)) return ['Invalid token', 'issuer'];
    if (/malformed|jwt must be|^invalid token$/.test(err.message)) return ['Invalid token', 'malformed'];
    if (/algorithm/.test(err.message)) return ['Invalid token', 'algorithm'];
    return ['Invalid token', 'signature'];
  }
  return ['Invalid token', 'invalid'];
}
