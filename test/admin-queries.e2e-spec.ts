import { randomBytes } from 'node:crypto';
import { AuditService } from '../src/audit/audit.service';
import { ADMIN_ENV, createUser, loginAdmin, TestUser, uniqueEmail } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';
import { bearer } from './helpers/ws-assertions';

interface AuditRow { id: string; type: string; userId: string | null; sessionId: string | null; ip: string | null; reason: string | null; detail: Record<string, unknown> | null; createdAt: string }

describe('admin audit and user queries, members by email (e2e)', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp(ADMIN_ENV);
    admin = (await loginAdmin(t)).accessToken;
  });
  afterAll(async () => { await t.close(); });

  const audit = async (query: string) => (await t.http().get(`/v1/admin/audit?${query}`).set(bearer(admin)).expect(200)).body as { items: AuditRow[]; nextCursor: string | null };

  describe('GET /v1/admin/audit', () => {
    let u: TestUser;
    beforeAll(async () => {
      u = await createUser(t);
      for (let i = 0; i < 6; i++) await t.http().post('/v1/auth/login').send({ email: u.email, password: `wrong password ${i}` }).expect(401);
    });

    it('pages newest first with a cursor, through every row exactly once', async () => {
      const all = await audit(`userId=${u.id}&limit=1000`);
      expect(all.nextCursor).toBeNull();
      expect(all.items.length).toBe(8); // register, login, six failures
      const times = all.items.map((r) => Date.parse(r.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));

      const seen: AuditRow[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const page = await audit(`userId=${u.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      }
      expect(pages).toBe(3);
      expect(seen.map((r) => r.id)).toEqual(all.items.map((r) => r.id));
    });

    it('keeps the type filter across pages', async () => {
      const first = await audit(`userId=${u.id}&type=login_failed&limit=4`);
      const second = await audit(`userId=${u.id}&type=login_failed&limit=4&cursor=${first.nextCursor}`);
      expect([...first.items, ...second.items].map((r) => r.type)).toEqual(Array(6).fill('login_failed'));
      expect(second.nextCursor).toBeNull();
    });

    it('filters on a time range, both ends exclusive', async () => {
      const all = (await audit(`userId=${u.id}&limit=1000`)).items;
      const newest = all[0].createdAt;
      const oldest = all[all.length - 1].createdAt;
      expect((await audit(`userId=${u.id}&after=${newest}`)).items).toEqual([]);
      expect((await audit(`userId=${u.id}&before=${oldest}`)).items).toEqual([]);
      const middle = await audit(`userId=${u.id}&after=${oldest}&before=${newest}&limit=1000`);
      expect(middle.items.every((r) => r.createdAt > oldest && r.createdAt < newest)).toBe(true);
      expect((await audit(`userId=${u.id}&after=2000-01-01T00:00:00Z&before=2000-01-02T00:00:00Z`)).items).toEqual([]);
    });

    it('answers 400 naming the field for a bad date or cursor', async () => {
      for (const [query, field] of [['after=yesterday', 'after'], ['before=2025-13-01T00:00:00Z', 'before'], ['cursor=not-a-cursor', 'cursor']]) {
        const res = await t.http().get(`/v1/admin/audit?${query}`).set(bearer(admin)).expect(400);
        expect(JSON.stringify(res.body.message)).toContain(field);
      }
    });
  });

  /**
   * The hot-path audit writer (rows queued by `recordLater`; a flush written
   * as one JSON-unpacked INSERT on SQLite, as 100-row INSERTs on PostgreSQL)
   * stores what it was given, field for field: nulls stay null, text with
   * quotes, backslashes, JSON-like text and non-ASCII survives, and a batch
   * larger than one PostgreSQL statement loses no row.
   */
  describe('audit rows written in batches', () => {
    /** A type no other test records: event types are lower-case letters, `_` and `.`. */
    const freshType = (prefix: string): string => `${prefix}_${Array.from(randomBytes(8), (b) => String.fromCharCode(97 + (b % 26))).join('')}`;

    it('stores a 250-row batch field for field, nulls and awkward text included', async () => {
      const writer = t.app.get(AuditService);
      const type = freshType('batch');
      const userId = '0f3c9a52-5b8e-4d7c-9a61-2f1e8b7d6c5a';
      const before = Date.now();
      for (let i = 0; i < 250; i++) {
        writer.recordLater(type, i % 2
          ? { userId, sessionId: null, ip: `::ffff:127.0.0.${i % 250}`, reason: `it's "quoted" \\ and ünïcödé ✓ 😀 [1, "2"] {"k": null} null #${i}`, detail: { n: i, text: 'a\nb\t"c" 😀 \u0001', flag: true, none: null } }
          : {});
      }
      await writer.flush();
      const after = Date.now();

      const got = (await audit(`type=${type}&limit=1000`)).items;
      expect(got).toHaveLength(250);
      const odd = got.filter((r) => r.userId === userId);
      const even = got.filter((r) => r.userId === null);
      expect(odd).toHaveLength(125);
      expect(even).toHaveLength(125);
      for (const r of even) expect(r).toMatchObject({ sessionId: null, ip: null, reason: null, detail: null });
      const byN = new Map(odd.map((r) => [r.detail!.n as number, r]));
      for (let i = 1; i < 250; i += 2) {
        expect(byN.get(i)).toMatchObject({
          type, userId, sessionId: null, ip: `::ffff:127.0.0.${i % 250}`, reason: `it's "quoted" \\ and ünïcödé ✓ 😀 [1, "2"] {"k": null} null #${i}`,
          detail: { n: i, text: 'a\nb\t"c" 😀 \u0001', flag: true, none: null },
        });
      }
      for (const r of got) {
        const at = Date.parse(r.createdAt);
        expect(at).toBeGreaterThanOrEqual(before);
        expect(at).toBeLessThanOrEqual(after);
      }
      expect(new Set(got.map((r) => r.id)).size).toBe(250);
    });

    it('stores a lone UTF-16 surrogate as U+FFFD, on SQLite as on PostgreSQL', async () => {
      const writer = t.app.get(AuditService);
      const type = freshType('surrogate');
      writer.recordLater(type, { reason: 'a\uD800b \uDC00 c', detail: { lone: 'x\uDBFFy' } });
      await writer.flush();
      const [row] = (await audit(`type=${type}`)).items;
      expect(row.reason).toBe('a\uFFFDb \uFFFD c');
      expect(row.detail).toEqual({ lone: 'x\uDBFFy' });
    });

    it('keeps a row recorded while an earlier batch is still being written', async () => {
      const writer = t.app.get(AuditService);
      const type = freshType('overlap');
      for (let i = 0; i < 3; i++) writer.recordLater(type, { reason: `first ${i}` });
      const first = writer.flush();
      writer.recordLater(type, { reason: 'second' });
      await Promise.all([first, writer.flush()]);
      expect((await audit(`type=${type}`)).items.map((r) => r.reason).sort()).toEqual(['first 0', 'first 1', 'first 2', 'second']);
    });
  });

  describe('GET /v1/admin/users', () => {
    it('filters by part of the email and by active, with the total of matches', async () => {
      const tag = `find${Date.now()}`;
      const a = await createUser(t, { email: uniqueEmail(`${tag}-a`) });
      await createUser(t, { email: uniqueEmail(`${tag}-b`) });
      await t.http().patch(`/v1/admin/users/${a.id}`).set(bearer(admin)).send({ active: false }).expect(200);

      const both = (await t.http().get(`/v1/admin/users?email=${tag.toUpperCase()}&limit=1`).set(bearer(admin)).expect(200)).body;
      expect(both).toMatchObject({ total: 2, limit: 1, offset: 0 });
      expect(both.items).toHaveLength(1);
      const inactive = (await t.http().get(`/v1/admin/users?email=${tag}&active=false`).set(bearer(admin)).expect(200)).body;
      expect(inactive.total).toBe(1);
      expect(inactive.items[0]).toMatchObject({ id: a.id, active: false });
      const active = (await t.http().get(`/v1/admin/users?email=${tag}&active=true`).set(bearer(admin)).expect(200)).body;
      expect(active.items.map((x: { email: string }) => x.email)).toEqual([expect.stringContaining(`${tag}-b`)]);
      // Wildcards are text: "%" matches no one.
      expect((await t.http().get('/v1/admin/users?email=%25').set(bearer(admin)).expect(200)).body.total).toBe(0);
    });

    it('answers 400 naming the field for a bad filter', async () => {
      const res = await t.http().get('/v1/admin/users?active=maybe').set(bearer(admin)).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('active');
    });
  });

  describe('POST /v1/conversations/:id/members', () => {
    it('lets the owner add a member by email as well as by id', async () => {
      const owner = await createUser(t);
      const friend = await createUser(t);
      const c = (await t.http().post('/v1/conversations').set(bearer(owner.accessToken)).send({ title: 'by email' }).expect(201)).body;
      const added = await t.http().post(`/v1/conversations/${c.id}/members`).set(bearer(owner.accessToken)).send({ email: friend.email.toUpperCase() }).expect(201);
      expect(added.body).toMatchObject({ conversationId: c.id, userId: friend.id, added: true });
      await t.http().get(`/v1/conversations/${c.id}`).set(bearer(friend.accessToken)).expect(200);
      // A member who is not the owner cannot, by email either.
      await t.http().post(`/v1/conversations/${c.id}/members`).set(bearer(friend.accessToken)).send({ email: owner.email }).expect(403);

      const unknown = await t.http().post(`/v1/conversations/${c.id}/members`).set(bearer(owner.accessToken)).send({ email: 'nobody@example.test' }).expect(404);
      expect(unknown.body.message).toBe('User not found');
      const bad = await t.http().post(`/v1/conversations/${c.id}/members`).set(bearer(owner.accessToken)).send({ email: 'not-an-email' }).expect(400);
      expect(JSON.stringify(bad.body.message)).toContain('email');
      const none = await t.http().post(`/v1/conversations/${c.id}/members`).set(bearer(owner.accessToken)).send({}).expect(400);
      expect(JSON.stringify(none.body.message)).toContain('userId');
      const both = await t.http().post(`/v1/conversations/${c.id}/members`).set(bearer(owner.accessToken)).send({ userId: friend.id, email: friend.email }).expect(400);
      expect(JSON.stringify(both.body.message)).toContain('email');
    });
  });
});
