/**
 * @portcullis/client keeping a conversation going through what ends sockets:
 * short-lived tokens (in-band re-auth, no gap in acked chat), an instance at
 * WS_MAX_CONNECTIONS (1013, backoff), and a server restart on the same port
 * and database (1001, reconnect, resume: nothing lost, nothing doubled).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { PortcullisClient, ServerFrames } from '@portcullis/client';
import { createUser, TestUser } from './helpers/factories';
import { bearer, nthState, reach, restRefresher, sdkClient, startAppAt } from './helpers/sdk-client';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

jest.setTimeout(60_000);

type ChatMessageFrame = ServerFrames['chat_message'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every chat_message the client delivers to the application, in delivery order. */
function inbox(client: PortcullisClient): ChatMessageFrame[] {
  const got: ChatMessageFrame[] = [];
  client.on('chat_message', (m) => got.push(m));
  return got;
}

/** Waits until `list` has `n` items, checking on each client event rather than on a clock. */
function until(client: PortcullisClient, done: () => boolean, ms = 15_000): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`condition not met within ${ms} ms (state ${client.state})`)); }, ms);
    const off = client.on('chat_message', () => {
      if (!done()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

describe('@portcullis/client re-authenticates in-band with short-lived tokens', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ JWT_ACCESS_TTL: '3s', WS_REAUTH_LEAD_MS: '1500', JWT_LEEWAY_S: '0' }); });
  afterAll(() => t.close());

  it('answers auth_required with a refreshed token, past several expiries, with every chat acked in sequence on one socket', async () => {
    const user = await createUser(t);
    const conv = (await t.http().post('/v1/conversations').set(bearer(user.accessToken)).send({ title: 'reauth' })).body.id;
    const refresher = restRefresher(t, user.refreshToken);
    let appToken = user.accessToken;
    const { client, states } = sdkClient(t, `/ws/conversations/${conv}`, {
      getToken: () => appToken,
      refreshToken: async () => (appToken = (await refresher.refresh()) ?? appToken),
    });
    const closes: number[] = [];
    client.on('close', (c) => closes.push(c.code));
    const got = inbox(client);
    client.connect();
    await reach(client, 'ready');

    // Chat through at least two re-auths and past the first token's expiry: acks must run 1..n with no gap.
    const acks: number[] = [];
    let reauths = 0;
    client.on('auth_ok', () => reauths++);
    const firstExpiry = Date.parse(client.session!.expiresAt!);
    for (let i = 1; reauths < 2 || Date.now() < firstExpiry + 1000; i++) {
      acks.push((await client.chat(`message ${i}`)).seq);
      await sleep(50);
    }
    expect(acks).toEqual(acks.map((_, i) => i + 1));
    await until(client, () => got.length === acks.length);
    expect(got.map((m) => m.seq)).toEqual(acks);
    expect(closes).toEqual([]);
    expect(refresher.calls()).toBe(reauths);
    const path = states.map((s) => s.state);
    expect(path.slice(0, 3)).toEqual(['connecting', 'authenticating', 'ready']);
    expect(path.slice(3)).toEqual(Array.from({ length: reauths }, () => ['reauthenticating', 'ready']).flat());
    client.close();
  });
  it('retries a refresh that failed in passing before the token expires, and keeps the socket', async () => {
    const user = await createUser(t);
    const conv = (await t.http().post('/v1/conversations').set(bearer(user.accessToken)).send({ title: 'flaky refresh' })).body.id;
    const refresher = restRefresher(t, user.refreshToken);
    let failures = 0;
    const { client } = sdkClient(t, `/ws/conversations/${conv}`, {
      getToken: () => user.accessToken,
      // The first call fails as a dropped network would (a throw, not a refusal).
      refreshToken: async () => { if (failures++ === 0) throw new Error('offline'); return refresher.refresh(); },
      backoff: { initialMs: 100, maxMs: 200 },
    });
    const closes: number[] = [];
    client.on('close', (c) => closes.push(c.code));
    client.connect();
    await reach(client, 'ready');
    await new Promise((resolve) => client.on('auth_ok', resolve));
    expect(failures).toBe(2);
    expect(closes).toEqual([]);
    expect((await client.chat('after the retry')).seq).toBe(1);
    client.close();
  });
});

describe('@portcullis/client backs off while the instance is full (1013)', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp({ WS_MAX_CONNECTIONS: '1' }); });
  afterAll(() => t.close());

  it('reconnects with backoff, then gets in once a slot frees', async () => {
    const user = await createUser(t);
    const conv = (await t.http().post('/v1/conversations').set(bearer(user.accessToken)).send({ title: 'busy' })).body.id;
    const holder = WsTestClient.connect(`${t.wsUrl}/ws/conversations/${conv}`, { headers: bearer(user.accessToken) });
    expect((await holder.next('ready')).type).toBe('ready');

    const { client, states } = sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => user.accessToken, backoff: { initialMs: 100, maxMs: 400 } });
    client.connect();
    await nthState(client, (s) => s.state === 'reconnecting' && s.reason === 'SERVER_BUSY', 3);
    const retries = states.filter((s) => s.state === 'reconnecting');
    expect(retries.every((s) => s.closeCode === 1013 && typeof s.retryInMs === 'number' && s.retryInMs >= 0 && s.retryInMs < 400)).toBe(true);
    holder.ws.close();
    await holder.closed;
    await reach(client, 'ready');
    expect((await client.chat('got in')).seq).toBe(1);
    client.close();
  });
});

describe('@portcullis/client across a server restart on the same port and database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-restart-'));
  const env = { SQLITE_PATH: join(dir, 'restart.sqlite') };
  let app: INestApplication | undefined;
  let port: number;
  let wsUrl: string;
  const http = () => request(`http://127.0.0.1:${port}`);

  beforeAll(async () => {
    app = await startAppAt(env, 0);
    port = Number(new URL(await app.getUrl()).port);
    wsUrl = `ws://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects after the restart, resumes, and every message arrives once, in order, at both members', async () => {
    const t = { wsUrl, http } as unknown as TestApp;
    const [alice, bob] = [await createUser(t), await createUser(t)];
    const conv = (await http().post('/v1/conversations').set(bearer(alice.accessToken)).send({ title: 'restart' })).body.id;
    await http().post(`/v1/conversations/${conv}/members`).set(bearer(alice.accessToken)).send({ userId: bob.id }).expect(201);
    const a = sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => alice.accessToken, backoff: { initialMs: 200, maxMs: 1000 } });
    const b = sdkClient(t, `/ws/conversations/${conv}`, { getToken: () => bob.accessToken, backoff: { initialMs: 200, maxMs: 1000 } });
    const [gotA, gotB] = [inbox(a.client), inbox(b.client)];
    a.client.connect();
    b.client.connect();
    await Promise.all([reach(a.client, 'ready'), reach(b.client, 'ready')]);

    const sent: string[] = [];
    const acks: Array<Promise<{ seq: number }>> = [];
    const say = (who: TestUser, c: PortcullisClient, n: number) => { const text = `${who.email} #${n}`; sent.push(text); acks.push(c.chat(text)); };
    for (let i = 1; i <= 5; i++) say(alice, a.client, i);
    await Promise.all(acks);

    // SIGTERM-like stop (1001 to every socket), 2.5 s down, then the same port and database again.
    const down = Promise.all([nthState(a.client, (s) => s.state === 'reconnecting'), nthState(b.client, (s) => s.state === 'reconnecting')]);
    await app!.close();
    app = undefined;
    expect((await down).map((s) => s.closeCode)).toEqual([1001, 1001]);
    // Sent while the server is down: queued, delivered after the restart.
    for (let i = 1; i <= 3; i++) say(bob, b.client, i);
    await sleep(2500);
    app = await startAppAt(env, port);
    await Promise.all([reach(a.client, 'ready'), reach(b.client, 'ready')]);
    for (let i = 6; i <= 10; i++) say(alice, a.client, i);

    const seqs = (await Promise.all(acks)).map((x) => x.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(sent.map((_, i) => i + 1));
    await Promise.all([until(a.client, () => gotA.length >= sent.length), until(b.client, () => gotB.length >= sent.length)]);
    await sleep(300); // a duplicate, were there one, would arrive right behind
    for (const got of [gotA, gotB]) {
      expect(got.map((m) => m.seq)).toEqual(seqs);
      expect([...got.map((m) => m.content)].sort()).toEqual([...sent].sort());
    }
    a.client.close();
    b.client.close();
  });
});
