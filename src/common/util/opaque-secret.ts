/** 32 random bytes in base64url, unpadded: what newOpaqueSecret appends to its prefix. */
const BODY = /^[A-Za-z0-9_-]{43}$/;

/**
 * Whether `value` has the shape of a secret newOpaqueSecret(prefix) made. A
 * refresh token, ticket or key of any other shape cannot exist, so it is
 * refused without a database lookup, and one kind cannot stand in for another.
 */
export function isOpaqueSecret(value: unknown, prefix: string): value is string {
  return typeof value === 'string' && value.startsWith(prefix) && BODY.test(value.slice(prefix.length));
}
