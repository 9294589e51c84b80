/**
 * Token verify cost per call: the product's TokenService (fast-jwt since
 * 2026-12-06: HS256 pinned, iss and aud exact and required) beside a plain
 * fast-jwt verifier and jsonwebtoken (the product's verifier before, with a
 * KeyObject; and its string-secret path). Prints figures; asserts nothing.
 * Run: npx ts-node --transpile-only bench/token-verify.bench.ts
 */
import { createSecretKey } from 'node:crypto';
import * as jwt from 'jsonwebtoken';
import { createVerifier } from 'fast-jwt';
import { AppConfig } from '../src/config/app-config';
import { JwtService } from '@nestjs/jwt';
import { jwtKeys, jwtModuleOptions } from '../src/auth/jwt-options';
import { TokenService } from '../src/auth/token.service';

const SECRET = 'benchmark-secret-that-is-long-enough-0123456789';
const config = AppConfig.fromEnvironment({ JWT_SECRET: SECRET });
const tokens = new TokenService(config, new JwtService(jwtModuleOptions(config)));
const key = jwtKeys(config).verifyKey as unknown as jwt.Secret;
const { token } = tokens.signAccess({ sub: 'u', sid: 's', role: 'user' });
const opts = { algorithms: ['HS256' as const], issuer: 'portcullis', audience: 'portcullis-clients' };
const fast = createVerifier({ key: SECRET, algorithms: ['HS256'], allowedIss: 'portcullis', allowedAud: 'portcullis-clients', cache: false });

function measure(name: string, n: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(n, 2000); i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  const median = runs.sort((a, b) => a - b)[2];
  console.log(`${name.padEnd(48)} ${median.toFixed(2).padStart(8)} µs/verify`);
  return median;
}

const product = measure('TokenService.verifyAccess (fast-jwt)', 20000, () => tokens.verifyAccess(token));
const direct = measure('jsonwebtoken + KeyObject (the verifier until 2026-12-06)', 20000, () => jwt.verify(token, key, opts));
measure('jsonwebtoken + KeyObject made per call', 20000, () => jwt.verify(token, createSecretKey(Buffer.from(SECRET)) as unknown as jwt.Secret, opts));
measure('jsonwebtoken + string secret', 2000, () => jwt.verify(token, SECRET, opts));
const fj = measure('fast-jwt (no cache)', 20000, () => fast(token));
console.log(`ratio product / fast-jwt: ${(product / fj).toFixed(2)}x; product / jsonwebtoken direct: ${(product / direct).toFixed(2)}x`);
