import { JwtService } from '@nestjs/jwt';
import { jwtModuleOptions } from '../auth/jwt-options';
import fc from 'fast-check';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { TokenService } from '../auth/token.service';
import { UnauthenticatedError } from '../common/errors/domain-errors';
import { newOpaqueSecret } from '../common/util/ids';
import { isOpaqueSecret } from '../common/util/opaque-secret';
import { AppConfig } from '../config/app-config';
import { DomainEvents } from '../events/domain-events';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/**
 * Properties of every credential check a client can reach with a value of its
 * choosing (issue 12): refresh tokens, ws tickets, API keys and access tokens.
 * Whatever is presented, the check refuses with a domain error (which the
 * edges map to 401 / 4001) or a plain "no", never with anything else, and a
 * value that cannot be a real secret never reaches the database.
 */
const RUNS = { numRuns: 300 };
const config = AppConfig.fromEnvironment({ NODE_ENV: 'test' });

/** Anything a JSON body or a query string can carry, plus near-misses of the real formats. */
const nearSecret = (prefix: string) => fc.oneof(
  fc.string({ maxLength: 60 }).map((s) => prefix + s),
  fc.stringMatching(/^[A-Za-z0-9_-]{42,44}$/).map((s) => prefix + s),
  fc.constantFrom(prefix, `${prefix}${'A'.repeat(42)}=`, `${prefix}${'A'.repeat(43)}\n`, ` ${newOpaqueSecret(prefix)}`, newOpaqueSecret(prefix).toUpperCase()),
);
const presented = (prefix: string) => fc.oneof(fc.anything(), fc.string({ unit: 'binary', maxLength: 300 }), nearSecret(prefix));

/** Resolves with the error `work` rejected with; fails the test if it resolved. */
async function refusal(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a refusal');
}

describe('opaque secrets (properties)', () => {
  it('only what newOpaqueSecret makes has its shape', () => {
    fc.assert(fc.property(fc.constantFrom('prt_', 'pwt_', 'pk_'), (prefix) => {
      expect(isOpaqueSecret(newOpaqueSecret(prefix), prefix)).toBe(true);
    }), { numRuns: 50 });
    fc.assert(fc.property(presented('pwt_'), (v) => {
      if (isOpaqueSecret(v, 'pwt_')) expect(v).toMatch(/^pwt_[A-Za-z0-9_-]{43}$/);
    }), RUNS);
    // One kind never passes for another.
    expect(isOpaqueSecret(newOpaqueSecret('prt_'), 'pwt_')).toBe(false);
  });
});

describe('SessionsService: tickets and refresh tokens (properties)', () => {
  const lookups = { ticket: 0, refresh: 0 };
  const repo = {
    consumeTicket: async () => { lookups.ticket++; return null; },
    findRefresh: async () => { lookups.refresh++; return null; },
  } as unknown as SessionsRepository;
  const sessions = new SessionsService(repo, new DomainEvents(), { record: async () => undefined } as unknown as AuditService, config);

  it('a ticket of any shape is refused as a bad ticket; only a well-formed one is looked up', async () => {
    await fc.assert(fc.asyncProperty(presented('pwt_'), async (t) => {
      const before = lookups.ticket;
      const err = await refusal(() => sessions.consumeTicket(t as string));
      expect(err).toBeInstanceOf(UnauthenticatedError);
      expect((err as UnauthenticatedError).reason).toBe('ticket');
      expect(lookups.ticket - before).toBe(isOpaqueSecret(t, 'pwt_') ? 1 : 0);
    }), RUNS);
  });

  it('a refresh token of any shape is refused as unknown; only a well-formed one is looked up', async () => {
    await fc.assert(fc.asyncProperty(presented('prt_'), async (t) => {
      const before = lookups.refresh;
      const err = await refusal(() => sessions.rotate(t as string, undefined, async () => undefined, () => ({})));
      expect(err).toBeInstanceOf(UnauthenticatedError);
      expect((err as UnauthenticatedError).reason).toBe('unknown_refresh');
      expect(lookups.refresh - before).toBe(isOpaqueSecret(t, 'prt_') ? 1 : 0);
    }), RUNS);
  });
});

describe('ApiKeysService.verify (properties)', () => {
  let lookups = 0;
  const repo = { findByHash: async () => { lookups++; return null; } } as unknown as ApiKeysRepository;
  const keys = new ApiKeysService(repo, new DomainEvents(), { record: async () => undefined } as unknown as AuditService);

  it('answers "no" (null) to any value, and looks up only pk_ strings of a sane length', async () => {
    await fc.assert(fc.asyncProperty(presented('pk_'), async (k) => {
      const before = lookups;
      await expect(keys.verify(k as string)).resolves.toBeNull();
      const plausible = typeof k === 'string' && k.startsWith('pk_') && k.length <= 200;
      expect(lookups - before).toBe(plausible ? 1 : 0);
    }), RUNS);
  });
});

describe('TokenService.verifyAccess (properties)', () => {
  const tokens = new TokenService(config, new JwtService(jwtModuleOptions(config)));
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v) ?? '').toString('base64url');
  /** JWT-shaped strings: any header (alg none, HS512, missing), any claims, any signature. */
  const jwtShaped = fc.tuple(
    fc.oneof(fc.record({ alg: fc.constantFrom('none', 'HS256', 'HS512', 'RS256', 'ES256', ''), typ: fc.constant('JWT') }, { requiredKeys: [] }), fc.anything()),
    fc.oneof(fc.record({ sub: fc.anything(), sid: fc.anything(), exp: fc.oneof(fc.integer(), fc.anything()), iss: fc.string(), aud: fc.string() }, { requiredKeys: [] }), fc.anything()),
    fc.string({ maxLength: 50 }),
  ).map(([h, p, sig]) => `${b64(h)}.${b64(p)}.${b64(sig)}`);

  it('refuses anything but its own tokens with UnauthenticatedError, never another error', () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.string({ unit: 'binary', maxLength: 200 }), jwtShaped), (t) => {
      let thrown: unknown;
      try {
        tokens.verifyAccess(t as string);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(UnauthenticatedError);
    }), RUNS);
  });
});
