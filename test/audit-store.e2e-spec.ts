import { randomBytes } from 'node:crypto';
import { AuditService } from '../src/audit/audit.service';
import { ADMIN_ENV, loginAdmin } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer } from './helpers/ws-assertions';

interface AuditRow { id: string; type: string; userId: string | null; sessionId: string | null; ip: string | null; reason: string | null; detail: Record<string, unknown> | null; createdAt: string }

/**
 * The hot-path audit writer (rows queued by `recordLater`, written as
 * hand-built multi-row INSERTs of up to 100 rows) stores what it was given,
 * field for field: nulls stay null, text with quotes, backslashes and
 * non-ASCII survives, and a batch larger than one statement loses no row.
 */
describe('audit rows written in batches (e2e)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp(ADMIN_ENV);
    admin = (await loginAdmin(t)).accessToken;
  });
  afterAll(async () => { await t.close(); });

  /** A type no other test records: event types are lower-case letters, `_` and `.`. */
  const freshType = (prefix: string): string => `${prefix}_${Array.from(randomBytes(8), (b) => String.fromCharCode(97 + (b % 26))).join('')}`;
  const rows = async (query: string): Promise<AuditRow[]> =>
    ((await t.http().get(`/v1/admin/audit?${query}`).set(bearer(admin)).expect(200)).body as { items: AuditRow[] }).items;

  it('stores a 250-row batch field for field, nulls and awkward text included', async () => {
    const audit = t.app.get(AuditService);
    const type = freshType('batch');
    const userId = '0f3c9a52-5b8e-4d7c-9a61-2f1e8b7d6c5a';
    const before = Date.now();
    for (let i = 0; i < 250; i++) {
      audit.recordLater(type, i % 2
        ? { userId, sessionId: null, ip: `::ffff:127.0.0.${i % 250}`, reason: `it's "quoted" \\ and ünïcödé ✓ #${i}`, detail: { n: i, text: 'a\nb\t"c"', flag: true, none: null } }
        : {});
    }
    await audit.flush();
    const after = Date.now();

    const got = await rows(`type=${type}&limit=1000`);
    expect(got).toHaveLength(250);
    const odd = got.filter((r) => r.userId === userId);
    const even = got.filter((r) => r.userId === null);
    expect(odd).toHaveLength(125);
    expect(even).toHaveLength(125);
    for (const r of even) expect(r).toMatchObject({ sessionId: null, ip: null, reason: null, detail: null });
    const byN = new Map(odd.map((r) => [r.detail!.n as number, r]));
    for (let i = 1; i < 250; i += 2) {
      expect(byN.get(i)).toMatchObject({
        type, userId, sessionId: null, ip: `::ffff:127.0.0.${i % 250}`, reason: `it's "quoted" \\ and ünïcödé ✓ #${i}`,
        detail: { n: i, text: 'a\nb\t"c"', flag: true, none: null },
      });
    }
    for (const r of got) {
      const at = Date.parse(r.createdAt);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
    }
    expect(new Set(got.map((r) => r.id)).size).toBe(250);
  });

  it('keeps a row recorded while an earlier batch is still being written', async () => {
    const audit = t.app.get(AuditService);
    const type = freshType('overlap');
    for (let i = 0; i < 3; i++) audit.recordLater(type, { reason: `first ${i}` });
    const first = audit.flush();
    audit.recordLater(type, { reason: 'second' });
    await Promise.all([first, audit.flush()]);
    expect((await rows(`type=${type}`)).map((r) => r.reason).sort()).toEqual(['first 0', 'first 1', 'first 2', 'second']);
  });
});
