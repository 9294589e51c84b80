import { createUser, TestUser } from './helpers/factories';
import { Cluster, REDIS_URL, startCluster } from './helpers/scaleout-cluster';
import { TestApp } from './helpers/test-app';
import { bearer, connectReady } from './helpers/ws-assertions';
import { WsTestClient } from './helpers/ws-client';

/**
 * CONTRACT §3: every socket receives a conversation's chat_message frames in
 * strictly increasing seq, whichever instance each was sent to. Storage is
 * gap-free, but each instance delivers its own messages at once and the other
 * instance's after a hop through Redis, so without sequencing a reader sees
 * 82 before 81 (and a client resuming from "the highest seq seen" loses 81).
 */
const PER_WRITER = 120;

describe('Chat order across instances (scale-out integration)', () => {
  jest.setTimeout(60_000);
  let cluster: Cluster;
  let a: TestApp;
  let b: TestApp;
  const open: WsTestClient[] = [];

  const connect = async (t: TestApp, conversationId: string, user: TestUser) => {
    const { c } = await connectReady(`${t.wsUrl}/ws/conversations/${conversationId}`, user.accessToken);
    open.push(c);
    return c;
  };
  const seqs = (c: WsTestClient) => c.frames.filter((f) => f.type === 'chat_message').map((f) => f.payload.seq as number);

  beforeAll(async () => {
    cluster = await startCluster(REDIS_URL, 2);
    [a, b] = cluster.apps;
  });
  afterAll(async () => {
    await Promise.all(open.splice(0).map((c) => { c.close(); return c.closed; }));
    await cluster?.close();
  });

  it('writers on both instances, readers on both: every reader gets 1..N in order, with no gap', async () => {
    const users = [await createUser(a), await createUser(a), await createUser(a), await createUser(a)];
    const [owner, ...members] = users;
    const c = (await a.http().post('/v1/conversations').set(bearer(owner.accessToken)).send({ title: 'order' }).expect(201)).body.id as string;
    for (const m of members) await a.http().post(`/v1/conversations/${c}/members`).set(bearer(owner.accessToken)).send({ userId: m.id }).expect(201);
    const readers = [await connect(a, c, users[2]), await connect(b, c, users[3]), await connect(a, c, users[3]), await connect(b, c, users[2])];
    const writers = [await connect(a, c, users[0]), await connect(b, c, users[1])];

    // Both writers pipeline everything at once, so the two instances commit interleaved seqs as fast as they can.
    const acks = writers.map((w, i) => {
      for (let n = 0; n < PER_WRITER; n++) w.send('chat_message', { content: `w${i}-${n}` });
      return w.next('ack', 30_000).then(async () => { for (let n = 1; n < PER_WRITER; n++) await w.next('ack', 30_000); });
    });
    await Promise.all(acks);

    const total = PER_WRITER * writers.length;
    const expected = Array.from({ length: total }, (_, i) => i + 1);
    for (const r of [...readers, ...writers]) {
      await waitFor(() => seqs(r).length >= total || r.frames.some((f) => f.type === 'error'), 20_000);
      expect(seqs(r)).toEqual(expected);
    }
  });
});

async function waitFor(ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
