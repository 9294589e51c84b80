import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';

export type AsymmetricJwtAlgorithm = 'RS256' | 'ES256';
export interface JwtKeyPair { algorithm: AsymmetricJwtAlgorithm; verifyKey: KeyObject; signKey?: KeyObject }

/** A key that cannot serve: names the variable and says why, never the key's content (it may be a secret). */
export class JwtKeyError extends Error {
  constructor(readonly variable: 'JWT_PUBLIC_KEY' | 'JWT_PRIVATE_KEY', problem: string) {
    super(problem);
  }
}

/**
 * Reads JWT_PUBLIC_KEY (and JWT_PRIVATE_KEY) as validation does at start-up
 * and as the token service does after it, so a key that would only fail at
 * the first sign or verify (unreadable, encrypted, a type or size the JWT
 * libraries refuse, a private key of another pair) stops start-up instead. The
 * algorithm comes from the key type: RSA (2048 bits or more) is RS256, EC on
 * P-256 is ES256; jsonwebtoken (which signs) and fast-jwt (which verifies)
 * refuse anything else for those two.
 */
export function parseJwtKeyPair(publicPem: string, privatePem?: string): JwtKeyPair {
  if (isPrivateKey(publicPem)) {
    throw new JwtKeyError('JWT_PUBLIC_KEY', 'holds a private key; give the public half here and the private key in JWT_PRIVATE_KEY');
  }
  const verifyKey = read('JWT_PUBLIC_KEY', publicPem, createPublicKey);
  const algorithm = algorithmFor(verifyKey);
  if (!privatePem) return { algorithm, verifyKey };
  const signKey = read('JWT_PRIVATE_KEY', privatePem, createPrivateKey);
  // Types first: KeyObject.equals on two types leaves OpenSSL's "different key types" error queued, and the next
  // createPrivateKey in the process throws it for a valid key (Node 20 and 24).
  const derived = createPublicKey(signKey);
  if (derived.asymmetricKeyType !== verifyKey.asymmetricKeyType || !derived.equals(verifyKey)) {
    throw new JwtKeyError('JWT_PRIVATE_KEY', 'is not the private half of JWT_PUBLIC_KEY');
  }
  return { algorithm, verifyKey, signKey };
}

function read(variable: JwtKeyError['variable'], pem: string, create: (pem: string) => KeyObject): KeyObject {
  if (/-----BEGIN ENCRYPTED|Proc-Type:\s*4,ENCRYPTED/.test(pem)) throw new JwtKeyError(variable, 'is encrypted; give the key without a passphrase');
  try {
    return create(pem);
  } catch {
    // OpenSSL's reason (e.g. "DECODER routines::unsupported") says nothing an operator can act on.
    const kind = variable === 'JWT_PUBLIC_KEY' ? 'a public key (-----BEGIN PUBLIC KEY-----) or certificate' : 'a private key (-----BEGIN PRIVATE KEY-----)';
    throw new JwtKeyError(variable, `is not ${kind} in PEM that node:crypto can read`);
  }
}

/** createPublicKey would accept one (deriving its public half), but a secret does not belong in a variable named public. */
function isPrivateKey(pem: string): boolean {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem);
}

function algorithmFor(key: KeyObject): AsymmetricJwtAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new JwtKeyError('JWT_PUBLIC_KEY', `is a ${details.modulusLength}-bit RSA key; RS256 needs 2048 bits or more`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details.namedCurve !== 'prime256v1') throw new JwtKeyError('JWT_PUBLIC_KEY', `is an EC key on ${details.namedCurve}; ES256 needs P-256 (prime256v1)`);
    return 'ES256';
  }
  throw new JwtKeyError('JWT_PUBLIC_KEY', `is a ${key.asymmetricKeyType} key; use RSA (RS256) or EC P-256 (ES256)`);
}
