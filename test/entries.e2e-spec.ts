import { randomUUID } from 'node:crypto';
import { DomainEvents, DomainEventMap } from '../src/events/domain-events';
import { EntriesService } from '../src/entries/entries.service';
import { createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

describe('REST entries (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  const auth = (u: TestUser) => ({ Authorization: `Bearer ${u.accessToken}` });
  const createEntry = async (u: TestUser, body = { title: 'Day one', content: 'It rained.' }) =>
    (await t.http().post('/v1/entries').set(auth(u)).send(body).expect(201)).body;

  beforeAll(async () => {
    t = await startTestApp();
    alice = await createUser(t);
    bob = await createUser(t);
  });
  afterAll(async () => { await t.close(); });

  it('creates, reads, lists, patches and deletes an entry', async () => {
    const created = await createEntry(alice);
    expect(created).toMatchObject({ title: 'Day one', content: 'It rained.', ownerId: alice.id });
    expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);

    const got = await t.http().get(`/v1/entries/${created.id}`).set(auth(alice)).expect(200);
    expect(got.body).toEqual(created);

    const list = await t.http().get('/v1/entries').set(auth(alice)).expect(200);
    expect(list.body.map((e: { id: string }) => e.id)).toContain(created.id);

    const patched = await t.http().patch(`/v1/entries/${created.id}`).set(auth(alice)).send({ content: 'It cleared up.' }).expect(200);
    expect(patched.body).toMatchObject({ id: created.id, title: 'Day one', content: 'It cleared up.' });
    const reread = await t.http().get(`/v1/entries/${created.id}`).set(auth(alice)).expect(200);
    expect(reread.body.content).toBe('It cleared up.');

    await t.http().delete(`/v1/entries/${created.id}`).set(auth(alice)).expect(204);
    await t.http().get(`/v1/entries/${created.id}`).set(auth(alice)).expect(404);
    await t.http().delete(`/v1/entries/${created.id}`).set(auth(alice)).expect(404);
  });

  it('lists only the caller\'s own entries', async () => {
    const mine = await createEntry(alice);
    const theirs = await createEntry(bob);
    const ids = (await t.http().get('/v1/entries').set(auth(alice)).expect(200)).body.map((e: { id: string }) => e.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
  });

  it('answers 401 without a token', async () => {
    await t.http().get('/v1/entries').expect(401);
    await t.http().post('/v1/entries').send({ title: 'x', content: 'y' }).expect(401);
  });

  it('answers 400 naming the field that failed validation', async () => {
    const noTitle = await t.http().post('/v1/entries').set(auth(alice)).send({ content: 'y' }).expect(400);
    expect(JSON.stringify(noTitle.body.message)).toContain('title');
    const longTitle = await t.http().post('/v1/entries').set(auth(alice)).send({ title: 'x'.repeat(201), content: 'y' }).expect(400);
    expect(JSON.stringify(longTitle.body.message)).toContain('title');
    const emptyContent = await t.http().post('/v1/entries').set(auth(alice)).send({ title: 'x', content: '' }).expect(400);
    expect(JSON.stringify(emptyContent.body.message)).toContain('content');
    const entry = await createEntry(alice);
    const nullPatch = await t.http().patch(`/v1/entries/${entry.id}`).set(auth(alice)).send({ title: null }).expect(400);
    expect(JSON.stringify(nullPatch.body.message)).toContain('title');
  });

  it('treats another user\'s entry as missing (404) on every verb, and leaves it untouched', async () => {
    const entry = await createEntry(alice);
    const res = await t.http().get(`/v1/entries/${entry.id}`).set(auth(bob)).expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    await t.http().patch(`/v1/entries/${entry.id}`).set(auth(bob)).send({ title: 'mine now' }).expect(404);
    await t.http().delete(`/v1/entries/${entry.id}`).set(auth(bob)).expect(404);
    const still = await t.http().get(`/v1/entries/${entry.id}`).set(auth(alice)).expect(200);
    expect(still.body.title).toBe(entry.title);
  });

  it('answers 404 for an unknown or malformed id', async () => {
    await t.http().get(`/v1/entries/${randomUUID()}`).set(auth(alice)).expect(404);
    await t.http().get('/v1/entries/not-a-uuid').set(auth(alice)).expect(404);
  });

  it('emits entry.deleted after the delete, and only for a real delete', async () => {
    const seen: DomainEventMap['entry.deleted'][] = [];
    const off = t.app.get(DomainEvents).on('entry.deleted', (e) => seen.push(e));
    try {
      const entry = await createEntry(alice);
      await t.http().delete(`/v1/entries/${entry.id}`).set(auth(bob)).expect(404);
      expect(seen).toEqual([]);
      await t.http().delete(`/v1/entries/${entry.id}`).set(auth(alice)).expect(204);
      expect(seen).toEqual([{ entryId: entry.id, ownerId: alice.id }]);
    } finally { off(); }
  });

  it('accessForStream tells ok, forbidden and missing apart', async () => {
    const entries = t.app.get(EntriesService);
    const entry = await createEntry(alice);
    const ok = await entries.accessForStream(entry.id, alice.id);
    expect(ok).toMatchObject({ status: 'ok', entry: { id: entry.id, content: entry.content } });
    expect(await entries.accessForStream(entry.id, bob.id)).toEqual({ status: 'forbidden' });
    expect(await entries.accessForStream(randomUUID(), alice.id)).toEqual({ status: 'missing' });
  });
});
