import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/** 256 bits of randomness, base64url: refresh tokens, ws tickets and API keys. */
export const newOpaqueSecret = (prefix = ''): string => prefix + randomBytes(32).toString('base64url');

/** Opaque secrets are high-entropy, so a fast hash is enough and lets us look them up by index. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');
