import { randomUUID } from 'node:crypto';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../src/common/errors/domain-errors';
import { ConversationsService } from '../src/conversations/conversations.service';
import { DomainEventMap, DomainEvents } from '../src/events/domain-events';
import { createUser, TestUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

describe('REST conversations (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  const auth = (u: TestUser) => ({ Authorization: `Bearer ${u.accessToken}` });
  const createConversation = async (u: TestUser, title = 'Team') =>
    (await t.http().post('/v1/conversations').set(auth(u)).send({ title }).expect(201)).body;
  const addMember = (by: TestUser, conversationId: string, userId: string) =>
    t.http().post(`/v1/conversations/${conversationId}/members`).set(auth(by)).send({ userId });

  beforeAll(async () => {
    t = await startTestApp();
    [owner, member, outsider] = [await createUser(t), await createUser(t), await createUser(t)];
  });
  afterAll(async () => { await t.close(); });

  it('creates a conversation whose creator is owner and member, and lists and gets it', async () => {
    const c = await createConversation(owner, 'Planning');
    expect(c).toMatchObject({ title: 'Planning', ownerId: owner.id, lastSeq: 0 });
    const list = await t.http().get('/v1/conversations').set(auth(owner)).expect(200);
    expect(list.body.map((x: { id: string }) => x.id)).toContain(c.id);
    const got = await t.http().get(`/v1/conversations/${c.id}`).set(auth(owner)).expect(200);
    expect(got.body).toMatchObject({ id: c.id, ownerId: owner.id });
    expect(got.body.members.map((m: { userId: string }) => m.userId)).toEqual([owner.id]);
  });

  it('answers 401 without a token and 400 naming the field', async () => {
    await t.http().get('/v1/conversations').expect(401);
    await t.http().post('/v1/conversations').send({ title: 'x' }).expect(401);
    const res = await t.http().post('/v1/conversations').set(auth(owner)).send({ title: '' }).expect(400);
    expect(JSON.stringify(res.body.message)).toContain('title');
    const c = await createConversation(owner);
    const bad = await addMember(owner, c.id, 'nope').expect(400);
    expect(JSON.stringify(bad.body.message)).toContain('userId');
  });

  it('hides a conversation from non-members (404) and does not list it for them', async () => {
    const c = await createConversation(owner);
    await t.http().get(`/v1/conversations/${c.id}`).set(auth(outsider)).expect(404);
    await t.http().get(`/v1/conversations/${c.id}/messages`).set(auth(outsider)).expect(404);
    await addMember(outsider, c.id, outsider.id).expect(404);
    const list = await t.http().get('/v1/conversations').set(auth(outsider)).expect(200);
    expect(list.body.map((x: { id: string }) => x.id)).not.toContain(c.id);
    await t.http().get(`/v1/conversations/${randomUUID()}`).set(auth(owner)).expect(404);
    await t.http().get('/v1/conversations/not-a-uuid').set(auth(owner)).expect(404);
  });

  it('lets the owner add a member, idempotently, who can then read; unknown users are 404', async () => {
    const c = await createConversation(owner);
    await t.http().get(`/v1/conversations/${c.id}`).set(auth(member)).expect(404);
    const first = await addMember(owner, c.id, member.id).expect(201);
    expect(first.body).toMatchObject({ conversationId: c.id, userId: member.id, added: true });
    const again = await addMember(owner, c.id, member.id).expect(201);
    expect(again.body).toMatchObject({ userId: member.id, added: false, addedAt: first.body.addedAt });
    await t.http().get(`/v1/conversations/${c.id}`).set(auth(member)).expect(200);
    const list = await t.http().get('/v1/conversations').set(auth(member)).expect(200);
    expect(list.body.map((x: { id: string }) => x.id)).toContain(c.id);
    const unknown = await addMember(owner, c.id, randomUUID()).expect(404);
    expect(unknown.body.message).toBe('User not found');
  });

  it('refuses member changes by a member who is not the owner (403)', async () => {
    const c = await createConversation(owner);
    await addMember(owner, c.id, member.id).expect(201);
    await addMember(member, c.id, outsider.id).expect(403);
    await t.http().delete(`/v1/conversations/${c.id}/members/${owner.id}`).set(auth(member)).expect(403);
    await t.http().get(`/v1/conversations/${c.id}`).set(auth(outsider)).expect(404);
  });

  it('removes a member (204, member.removed emitted), who then gets 404; the owner cannot remove themself', async () => {
    const seen: DomainEventMap['member.removed'][] = [];
    const off = t.app.get(DomainEvents).on('member.removed', (e) => seen.push(e));
    try {
      const c = await createConversation(owner);
      await addMember(owner, c.id, member.id).expect(201);
      await t.http().delete(`/v1/conversations/${c.id}/members/${member.id}`).set(auth(owner)).expect(204);
      expect(seen).toEqual([{ conversationId: c.id, userId: member.id }]);
      await t.http().get(`/v1/conversations/${c.id}`).set(auth(member)).expect(404);
      await t.http().get(`/v1/conversations/${c.id}/messages`).set(auth(member)).expect(404);
      await t.http().delete(`/v1/conversations/${c.id}/members/${member.id}`).set(auth(owner)).expect(404);
      const self = await t.http().delete(`/v1/conversations/${c.id}/members/${owner.id}`).set(auth(owner)).expect(400);
      expect(self.body.message).toMatch(/owner/);
      expect(seen).toHaveLength(1);
    } finally { off(); }
  });

  it('serves history in ascending seq with afterSeq and limit, validating the query', async () => {
    const c = await createConversation(owner);
    await addMember(owner, c.id, member.id).expect(201);
    const svc = t.app.get(ConversationsService);
    const posted = [];
    for (let i = 1; i <= 5; i++) {
      const author = i % 2 ? owner.id : member.id;
      posted.push((await svc.postMessage({ conversationId: c.id, authorId: author, clientMsgId: `m${i}`, content: `hello ${i}` })).message);
    }
    const all = await t.http().get(`/v1/conversations/${c.id}/messages`).set(auth(member)).expect(200);
    expect(all.body).toEqual(posted);
    expect(all.body.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    const page = await t.http().get(`/v1/conversations/${c.id}/messages?afterSeq=2&limit=2`).set(auth(owner)).expect(200);
    expect(page.body.map((m: { seq: number; content: string }) => [m.seq, m.content])).toEqual([[3, 'hello 3'], [4, 'hello 4']]);
    const conv = await t.http().get(`/v1/conversations/${c.id}`).set(auth(owner)).expect(200);
    expect(conv.body.lastSeq).toBe(5);

    for (const [query, field] of [['limit=501', 'limit'], ['limit=0', 'limit'], ['afterSeq=-1', 'afterSeq'], ['afterSeq=abc', 'afterSeq']]) {
      const res = await t.http().get(`/v1/conversations/${c.id}/messages?${query}`).set(auth(owner)).expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
  });

  describe('ConversationsService (chat core)', () => {
    let svc: ConversationsService;
    beforeAll(() => { svc = t.app.get(ConversationsService); });

    it('reports access as ok, forbidden or missing', async () => {
      const c = await createConversation(owner);
      expect(await svc.access(c.id, owner.id)).toBe('ok');
      expect(await svc.access(c.id, outsider.id)).toBe('forbidden');
      expect(await svc.access(randomUUID(), owner.id)).toBe('missing');
      expect(await svc.isMember(c.id, owner.id)).toBe(true);
      expect(await svc.isMember(c.id, outsider.id)).toBe(false);
    });

    it('answers a known member at once, with no promise for the connect-time guard to wait on', async () => {
      const c = await createConversation(owner);
      expect(await svc.access(c.id, owner.id)).toBe('ok');
      expect(svc.access(c.id, owner.id)).toBe('ok');
      // A refusal is never taken from memory: it is looked up each time.
      expect(svc.access(c.id, outsider.id)).toBeInstanceOf(Promise);
    });

    it('stores a resent clientMsgId once: same messageId, duplicate:true, seq unchanged', async () => {
      const c = await createConversation(owner);
      const first = await svc.postMessage({ conversationId: c.id, authorId: owner.id, clientMsgId: 'frame-1', content: 'hi' });
      expect(first.duplicate).toBe(false);
      expect(first.message).toMatchObject({ seq: 1, conversationId: c.id, authorId: owner.id, content: 'hi' });
      const again = await svc.postMessage({ conversationId: c.id, authorId: owner.id, clientMsgId: 'frame-1', content: 'hi (resent)' });
      expect(again).toEqual({ message: first.message, duplicate: true });
      const next = await svc.postMessage({ conversationId: c.id, authorId: owner.id, clientMsgId: 'frame-2', content: 'next' });
      expect(next.message.seq).toBe(2);
      expect(await svc.messagesAfter(c.id, 0, 500)).toHaveLength(2);
    });

    it('scopes clientMsgId per author: two authors may use the same id', async () => {
      const c = await createConversation(owner);
      await addMember(owner, c.id, member.id).expect(201);
      const a = await svc.postMessage({ conversationId: c.id, authorId: owner.id, clientMsgId: 'same', content: 'a' });
      const b = await svc.postMessage({ conversationId: c.id, authorId: member.id, clientMsgId: 'same', content: 'b' });
      expect(b.duplicate).toBe(false);
      expect(b.message.messageId).not.toBe(a.message.messageId);
      expect(b.message.seq).toBe(2);
    });

    it('hands out strictly increasing seqs with no gaps under 50 concurrent posts, duplicates included', async () => {
      const c = await createConversation(owner);
      await addMember(owner, c.id, member.id).expect(201);
      const posts = Array.from({ length: 50 }, (_, i) => ({
        conversationId: c.id, authorId: i % 2 ? owner.id : member.id, clientMsgId: `c-${i}`, content: `message ${i}`,
      }));
      // Every fifth post is also sent a second time, concurrently with the first.
      const resends = posts.filter((_, i) => i % 5 === 0);
      const results = await Promise.all([...posts, ...resends].map((p) => svc.postMessage(p)));

      const stored = results.filter((r) => !r.duplicate).map((r) => r.message);
      expect(stored).toHaveLength(50);
      expect(stored.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(results.filter((r) => r.duplicate)).toHaveLength(resends.length);
      for (let i = 0; i < posts.length; i++) {
        const mine = results.filter((r) => r.message.content === `message ${i}`);
        expect(new Set(mine.map((r) => r.message.messageId)).size).toBe(1);
      }

      const history = await svc.messagesAfter(c.id, 0, 500);
      expect(history.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const conv = await t.http().get(`/v1/conversations/${c.id}`).set(auth(owner)).expect(200);
      expect(conv.body.lastSeq).toBe(50);
    });

    it('rejects a post from a non-member, to a missing conversation, or with bad content, storing nothing', async () => {
      const c = await createConversation(owner);
      const post = (over: object) => svc.postMessage({ conversationId: c.id, authorId: owner.id, clientMsgId: randomUUID(), content: 'x', ...over });
      await expect(post({ authorId: outsider.id })).rejects.toBeInstanceOf(ForbiddenError);
      await expect(post({ conversationId: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
      await expect(post({ content: '' })).rejects.toMatchObject({ field: 'content' });
      await expect(post({ content: 'x'.repeat(4001) })).rejects.toBeInstanceOf(InvalidInputError);
      const ok = await post({ content: '😀'.repeat(4000) });
      expect(ok.message.seq).toBe(1);
      expect(await svc.messagesAfter(c.id, 0, 500)).toHaveLength(1);
    });

    it('rejects a post from a member who was removed', async () => {
      const c = await createConversation(owner);
      await addMember(owner, c.id, member.id).expect(201);
      await svc.postMessage({ conversationId: c.id, authorId: member.id, clientMsgId: 'before', content: 'still here' });
      await svc.removeMember(c.id, owner.id, member.id);
      await expect(svc.postMessage({ conversationId: c.id, authorId: member.id, clientMsgId: 'after', content: 'gone' }))
        .rejects.toBeInstanceOf(ForbiddenError);
    });
  });
});
