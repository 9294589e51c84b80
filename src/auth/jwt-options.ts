import type { JwtModuleOptions } from '@nestjs/jwt';
import type { VerifierOptions } from 'fast-jwt';
import { createSecretKey, KeyObject } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { parseJwtKeyPair } from '../config/jwt-keys';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface JwtKeys { algorithm: JwtAlgorithm; signKey: KeyObject; verifyKey: KeyObject }

/**
 * The keys as KeyObjects, and the algorithm they imply. jsonwebtoken's
 * string-secret path re-derives the key on every call (~340 µs against ~5 µs
 * measured here), and the algorithm comes from the configured key, never from
 * a token's header.
 */
export function jwtKeys(config: AppConfig): JwtKeys {
  const { secret, publicKey, privateKey } = config.auth;
  if (publicKey) {
    // Start-up validation has parsed the same keys already (parseJwtKeyPair): a bad one never gets here.
    const { verifyKey, signKey, algorithm } = parseJwtKeyPair(publicKey, privateKey);
    return { verifyKey, signKey: signKey ?? verifyKey, algorithm };
  }
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return { signKey: key, verifyKey: key, algorithm: 'HS256' };
}

/** @nestjs/jwt's options, for signing only: the signing key, the pinned algorithm, iss and aud. TokenService verifies (jwtVerifierOptions). */
export function jwtModuleOptions(config: AppConfig, keys: JwtKeys = jwtKeys(config)): JwtModuleOptions {
  const { issuer, audience } = config.auth;
  return {
    privateKey: keys.signKey,
    signOptions: { algorithm: keys.algorithm, issuer, audience },
  };
}

/**
 * fast-jwt's verifier for the same keys and claims: the pinned algorithm, iss
 * and aud exact and required, exp and nbf with the leeway (fast-jwt counts in
 * ms), no cache. fast-jwt takes the secret as bytes or the public key as PEM
 * and makes its KeyObject once, here.
 */
export function jwtVerifierOptions(config: AppConfig, keys: JwtKeys = jwtKeys(config)): Partial<VerifierOptions> & { key: string | Buffer } {
  const { issuer, audience, leewayS } = config.auth;
  const key = keys.verifyKey.type === 'secret' ? keys.verifyKey.export() : keys.verifyKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    key,
    algorithms: [keys.algorithm],
    allowedIss: issuer,
    allowedAud: audience,
    requiredClaims: ['iss', 'aud'],
    clockTolerance: leewayS * 1000,
    cache: false,
  };
}
