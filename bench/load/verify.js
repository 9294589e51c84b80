'use strict';
// Token verify µs/call: fast-jwt configured exactly as the product's TokenService
// (src/auth/jwt-options.ts jwtVerifierOptions: HS256 pinned, iss and aud exact and
// required, a 5 s leeway), beside fast-jwt's plain verifier and jsonwebtoken with a
// KeyObject (the product's verifier until 2026-12-06) or a string secret.
const { createSecretKey, randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const jwt = require('jsonwebtoken');
const { createVerifier } = require('fast-jwt');
const iterations = Number(process.argv[2] || 50000);
const secret = randomBytes(36).toString('base64').slice(0, 48);
const key = createSecretKey(Buffer.from(secret, 'utf8'));
const issuer = 'portcullis'; const audience = 'portcullis-clients';
const token = jwt.sign({ sid: 'a6f0c1de-2f4b-4c33-9a55-0d8f7f1b2c3d', role: 'user' }, key, { algorithm: 'HS256', subject: '3f9a1f2e-5b77-4e0e-8e8f-1c2d3e4f5a6b', issuer, audience, expiresIn: 900 });
const opts = { algorithms: ['HS256'], issuer, audience, clockTolerance: 5 };
const fj = createVerifier({ key: secret, algorithms: ['HS256'], allowedIss: issuer, allowedAud: audience, clockTolerance: 5000 });
const product = createVerifier({ key: key.export(), algorithms: ['HS256'], allowedIss: issuer, allowedAud: audience, requiredClaims: ['iss', 'aud'], clockTolerance: 5000, cache: false });
const cases = {
  fast_jwt_product: () => product(token),
  jsonwebtoken_keyobject: () => jwt.verify(token, key, opts),
  jsonwebtoken_string_secret: () => jwt.verify(token, secret, opts),
  fast_jwt: () => fj(token),
};
const out = {};
for (const [name, fn] of Object.entries(cases)) {
  const n = name === 'jsonwebtoken_string_secret' ? Math.max(500, iterations / 50) : iterations;
  for (let i = 0; i < Math.min(n, 5000); i++) fn(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  out[name] = ((performance.now() - t0) * 1000) / n;
}
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
