import {
  ConflictError, DomainError, ForbiddenError, InactiveUserError, InvalidInputError, NotFoundError, RateLimitedError, UnauthenticatedError,
} from '../common/errors/domain-errors';
import { CLOSE } from './close-codes';
import { clientMessage, closeFor } from './close-mapping';

describe('closeFor', () => {
  it.each([
    ['unauthenticated (invalid)', new UnauthenticatedError('Invalid token', 'signature'), CLOSE.UNAUTHENTICATED],
    ['unauthenticated (missing)', new UnauthenticatedError('Missing', 'missing'), CLOSE.UNAUTHENTICATED],
    ['unauthenticated (expired)', new UnauthenticatedError('Token expired', 'expired'), CLOSE.TOKEN_EXPIRED],
    ['unauthenticated (revoked)', new UnauthenticatedError('Session revoked', 'revoked'), CLOSE.SESSION_REVOKED],
    ['unauthenticated (refresh reuse)', new UnauthenticatedError('reuse', 'refresh_reuse'), CLOSE.SESSION_REVOKED],
    ['a bare unauthenticated DomainError', new DomainError('unauthenticated', 'x'), CLOSE.UNAUTHENTICATED],
    ['inactive', new InactiveUserError(), CLOSE.USER_INACTIVE],
    ['forbidden', new ForbiddenError(), CLOSE.FORBIDDEN],
    ['not_found', new NotFoundError('Entry'), CLOSE.NOT_FOUND],
    ['rate_limited', new RateLimitedError(), CLOSE.TOO_MANY_AUTH_FAILURES],
    ['conflict', new ConflictError('x'), CLOSE.INTERNAL_ERROR],
    ['invalid', new InvalidInputError('f', 'x'), CLOSE.INTERNAL_ERROR],
    ['unavailable', new DomainError('unavailable', 'x'), CLOSE.INTERNAL_ERROR],
  ])('maps %s to its close', (_name, err, spec) => {
    expect(closeFor(err)).toBe(spec);
  });

  it.each([
    ['an Error', new Error('db exploded at /var/lib/x')],
    ['a TypeError', new TypeError('x is undefined')],
    ['a string', 'boom'],
    ['undefined', undefined],
    ['null', null],
  ])('maps %s to 1011 and never shows its text', (_name, err) => {
    const spec = closeFor(err);
    expect(spec.code).toBe(1011);
    expect(spec).toBe(CLOSE.INTERNAL_ERROR);
    expect(clientMessage(err, spec)).toBe(spec.reason);
  });

  it("shows a domain error's own message", () => {
    const err = new ForbiddenError('Not your entry');
    expect(clientMessage(err, closeFor(err))).toBe('Not your entry');
  });
});

describe('the CLOSE table', () => {
  it.each(Object.entries(CLOSE))('%s: a valid code, an error code and a reason within 123 bytes', (_key, spec) => {
    expect(Buffer.byteLength(spec.reason, 'utf8')).toBeLessThanOrEqual(123);
    expect(spec.reason.length).toBeGreaterThan(0);
    expect(spec.error).toMatch(/^[A-Z_]+$/);
    expect([1000, 1001, 1008, 1009, 1011, 1013].includes(spec.code) || (spec.code >= 4000 && spec.code <= 4999)).toBe(true);
  });

  it('has one entry per error code', () => {
    const errors = Object.values(CLOSE).map((s) => s.error);
    expect(new Set(errors).size).toBe(errors.length);
  });
});
