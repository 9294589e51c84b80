import { DataSource, In, ObjectLiteral } from 'typeorm';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { AuditRepository } from '../src/audit/audit.repository';
import { newId, sha256Hex } from '../src/common/util/ids';
import { RetentionScheduler } from '../src/retention/retention.scheduler';
import { RefreshToken, Session, WsTicket } from '../src/sessions/session.entity';
import { SessionsRepository } from '../src/sessions/sessions.repository';
import { createUser } from './helpers/factories';
import { logCapture, startTestApp, TestApp } from './helpers/test-app';
import { bearer, metricValue } from './helpers/ws-assertions';

const DAY = 86_400_000;

/** The retention job on the real database (migrated), seeded through the real repositories, run with an injected clock. */
describe('retention (e2e)', () => {
  let t: TestApp;
  const log = logCapture();
  let db: DataSource;
  beforeAll(async () => {
    // Off on a timer, so only the test runs it; batches of 2, so every kind takes several.
    t = await startTestApp({ RETENTION_INTERVAL_MS: '0', RETENTION_BATCH_SIZE: '2', LOG_LEVEL: 'info' }, log.sink);
    db = t.app.get(DataSource);
  });
  afterAll(async () => { await t.close(); });

  const present = async <T extends ObjectLiteral & { id: string }>(entity: new () => T, ids: string[]) =>
    (await db.getRepository(entity).findBy({ id: In(ids) } as never)).map((r) => r.id).sort();

  it('deletes expired sessions and refresh tokens past the grace period, dead tickets and old audit rows, and nothing else', async () => {
    const now = new Date(Date.now() + 60_000);
    const at = (days: number) => new Date(now.getTime() + days * DAY);
    const sessionsRepo = t.app.get(SessionsRepository);
    const auditRepo = t.app.get(AuditRepository);
    const u = await createUser(t); // a live session, its refresh token, fresh audit rows

    const session = async (expiresAt: Date) => (await sessionsRepo.createWithRefresh({ userId: u.id, expiresAt, ip: null, userAgent: null }, sha256Hex(newId()))).id;
    const longGone = [await session(at(-8)), await session(at(-30)), await session(at(-9))];
    const inGrace = await session(at(-6));
    const gone = async (ids: string[]) => (await db.getRepository(RefreshToken).findBy({ sessionId: In(ids) })).map((r) => r.id);
    const goneTokens = await gone(longGone);
    const graceTokens = await gone([inGrace]);

    const ticket = async (expiresAt: Date) => {
      const tokenHash = sha256Hex(newId());
      await sessionsRepo.insertTicket({ tokenHash, sessionId: inGrace, userId: u.id, expiresAt, authExpiresAt: expiresAt });
      return (await db.getRepository(WsTicket).findOneByOrFail({ tokenHash })).id;
    };
    const expiredTicket = await ticket(at(-1 / 1440));
    const spentHash = sha256Hex(newId());
    await sessionsRepo.insertTicket({ tokenHash: spentHash, sessionId: inGrace, userId: u.id, expiresAt: at(1 / 2880), authExpiresAt: at(1) });
    const spentTicket = (await sessionsRepo.consumeTicket(spentHash, now))!.id;
    const liveTicket = await ticket(at(1 / 2880));

    const row = (daysOld: number) => ({ id: newId(), type: 'retention_probe', userId: u.id, sessionId: null, ip: null, reason: null, detail: null, createdAt: at(-daysOld) });
    const oldRows = [row(91), row(120), row(365)];
    const keptRows = [row(89), row(0)];
    await auditRepo.insertMany([...oldRows, ...keptRows]);

    const counts = await t.app.get(RetentionScheduler).run(now);

    expect(await present(Session, [...longGone, inGrace])).toEqual([inGrace]);
    expect(await present(RefreshToken, [...goneTokens, ...graceTokens])).toEqual(graceTokens.sort());
    expect(await present(WsTicket, [expiredTicket, spentTicket, liveTicket])).toEqual([liveTicket]);
    expect(await present(AuditEvent, [...oldRows, ...keptRows].map((r) => r.id))).toEqual(keptRows.map((r) => r.id).sort());
    // At least what was seeded here (the PostgreSQL pass shares its database with other suites).
    expect(counts.sessions).toBeGreaterThanOrEqual(3);
    expect(counts.refresh_tokens).toBeGreaterThanOrEqual(3);
    expect(counts.ws_tickets).toBeGreaterThanOrEqual(2);
    expect(counts.audit_events).toBeGreaterThanOrEqual(3);

    // The live session is untouched and still works.
    await t.http().get('/v1/auth/me').set(bearer(u.accessToken)).expect(200);
    await t.http().post('/v1/auth/refresh').send({ refreshToken: u.refreshToken }).expect(200);

    // Logged and metered.
    expect(log.text()).toMatch(/"deleted":\{"refresh_tokens":\d+,"sessions":\d+,"ws_tickets":\d+,"audit_events":\d+\}.*retention pass finished/);
    const text = (await t.http().get('/metrics').expect(200)).text;
    expect(metricValue(text, 'portcullis_retention_deleted_total', { kind: 'audit_events' })).toBeGreaterThanOrEqual(3);
  });

  it('a later pass with nothing due deletes nothing it should keep', async () => {
    const u = await createUser(t);
    const counts = await t.app.get(RetentionScheduler).run(new Date());
    expect(counts.sessions).toBe(0);
    await t.http().get('/v1/auth/me').set(bearer(u.accessToken)).expect(200);
  });
});
