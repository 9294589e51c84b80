/**
 * The /demo page (built on @portcullis/client's browser build, served by the
 * service) driven in a real headless Chromium, as a person would use it: sign
 * in, turn green, stream a reflection to its end, chat between two pages,
 * stay green through re-auth with short-lived tokens, and turn red with the
 * reason when an admin revokes the session. A page from a foreign origin is
 * refused at the upgrade. Screenshots go to test-output/browser/. Then the
 * SDK's own page-level check: a socket whose path goes dark is noticed by the
 * client's pings and replaced, with nothing lost; an `online` event (dispatched,
 * and Chromium's own from context.setOffline) makes it check at once, and cuts
 * a long backoff short.
 *
 * Needs Debian's Chromium at /usr/bin/chromium; without it this test FAILS
 * (it does not skip): `apt-get update && apt-get install -y chromium`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { BlackholeProxy, startBlackholeProxy } from './helpers/blackhole-proxy';
import { ADMIN_ENV, createUser, login, loginAdmin, TestUser } from './helpers/factories';
import { authAttempts, bearer } from './helpers/sdk-client';
import { startTestApp, TestApp } from './helpers/test-app';
import { WsTestClient } from './helpers/ws-client';

const ROOT = join(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const SHOTS = join(ROOT, 'test-output', 'browser');
// Short-lived tokens, so both pages meet auth_required (and their first token's expiry) within the test.
const ENV = { ...ADMIN_ENV, JWT_ACCESS_TTL: '4s', WS_REAUTH_LEAD_MS: '2500', JWT_LEEWAY_S: '0', REFLECTION_CHUNK_DELAY_MS: '20' };

jest.setTimeout(60_000);

let sdkBuilt = false;
/** The pages load the SDK's browser build: build it, once, from the sources under test. */
function buildSdk(): void {
  if (sdkBuilt) return;
  execFileSync(process.execPath, [join(ROOT, 'packages', 'client', 'build.cjs')], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  sdkBuilt = true;
}

describe('the /demo page in Chromium', () => {
  let t: TestApp;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let alice: TestUser;
  let bob: TestUser;
  let pageA: Page;
  let pageB: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it (CI does): apt-get update && apt-get install -y chromium`);
    buildSdk();
    mkdirSync(SHOTS, { recursive: true });
    const launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    launching.catch(() => undefined);
    t = await startTestApp(ENV);
    [alice, bob] = [await createUser(t), await createUser(t)];
    browser = await launching;
    context = await browser.newContext();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  afterEach(() => expect(pageErrors.splice(0)).toEqual([]));

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  async function signIn(user: TestUser): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${t.baseUrl}/demo`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.click('#signin-button');
    await page.waitForSelector('#app:not([hidden])');
    return page;
  }

  const light = (page: Page, colour: string, timeout = 10_000) => page.waitForSelector(`#status[data-light="${colour}"]`, { timeout });
  /** What the page's clients saw, as "kind detail" lines. */
  const seen = (page: Page) => page.evaluate(() => (window as any).demo.events.map((e: { kind: string; detail: string }) => `${e.kind} ${e.detail}`) as string[]);
  const messages = (page: Page) => page.$$eval('#messages li', (lis) => lis.map((li) => li.lastChild?.textContent ?? ''));
  const waitForMessage = (page: Page, text: string) =>
    page.waitForFunction((x) => [...document.querySelectorAll('#messages li')].some((li) => li.lastChild?.textContent === x), text, { timeout: 10_000 });

  it('signs in, creates a conversation and turns green', async () => {
    pageA = await signIn(alice);
    await pageA.fill('#conversation-title', 'demo chat');
    await pageA.click('#conversation-form button[type="submit"]');
    // The light and its text read in one turn of the page: tokens live 4 s here, so on a loaded machine the
    // page may already be re-authenticating (yellow) by the time a second read would run. Green is what counts.
    const text = await pageA.waitForFunction(() => {
      const status = document.querySelector<HTMLElement>('#status');
      return status?.dataset.light === 'green' && document.querySelector('#status-text')?.textContent;
    }, undefined, { timeout: 10_000 });
    expect(await text.jsonValue()).toMatch(/^ready \((ready|reauthenticated)\)$/);
    await shot(pageA, '1-signed-in-green');
  });

  it('streams a reflection on a new entry to its end', async () => {
    await pageA.fill('#entry-title', 'A long day');
    await pageA.fill('#entry-content', 'I was tired and anxious at work. The evening walk helped. I feel calm and grateful now.');
    await pageA.click('#entry-form button[type="submit"]');
    await pageA.waitForSelector('#reflect:not([disabled])');
    const entryId = await pageA.evaluate(() => (window as any).demo.entryId as string);
    // A fresh token for the reference stream: alice's first one (4 s) may be near its end by now.
    const fresh = await login(t, alice.email, alice.password);
    const raw = WsTestClient.connect(`${t.wsUrl}/ws/reflections/${entryId}`, { headers: bearer(fresh.accessToken) });
    expect((await raw.closed).code).toBe(1000);
    const expected = raw.frames.filter((f) => f.type === 'reflection_chunk').map((f) => f.payload.text).join('');

    await pageA.click('#reflect');
    await pageA.waitForSelector('#reflection[data-done="true"]', { timeout: 15_000 });
    expect(await pageA.textContent('#reflection')).toBe(expected);
    expect(await pageA.textContent('#reflection-status')).toMatch(/^done \(\d+ chunks\)$/);
    await shot(pageA, '2-reflection-done');
  });

  it('exchanges chat between two pages', async () => {
    // By user id: the server on main takes `{userId}` only so far (the contract also names `{email}`).
    await pageA.fill('#member-email', bob.id);
    await pageA.click('#member-form button[type="submit"]');
    await pageA.waitForFunction(() => (window as any).demo.events.some((e: { kind: string }) => e.kind.startsWith('member ')));
    expect(await seen(pageA)).toContain(`member added ${bob.id}`);
    pageB = await signIn(bob);
    await pageB.click('#conversations button');
    await light(pageB, 'green');

    await pageA.fill('#chat-input', 'hello from page A');
    await pageA.press('#chat-input', 'Enter');
    await waitForMessage(pageB, 'hello from page A');
    await pageB.fill('#chat-input', 'and hello back from B');
    await pageB.click('#chat-send');
    // Each page shows a message when it arrives on that page's socket: B's own comes back to B in its own
    // time, not necessarily before A has it.
    await waitForMessage(pageA, 'and hello back from B');
    await waitForMessage(pageB, 'and hello back from B');
    expect(await messages(pageA)).toEqual(['hello from page A', 'and hello back from B']);
    expect(await messages(pageB)).toEqual(['hello from page A', 'and hello back from B']);
    await shot(pageA, '3-chat-page-a');
    await shot(pageB, '3-chat-page-b');
  });

  it('stays green through re-auth past its first token\'s expiry, on the same socket', async () => {
    const firstExpiry = await pageA.evaluate(() => Date.parse((window as any).demo.chat.session.expiresAt));
    await pageA.waitForFunction((at) => Number(document.getElementById('reauths')!.textContent) >= 1 && Date.now() > at + 500, firstExpiry, { timeout: 15_000, polling: 100 });
    await pageA.fill('#chat-input', 'still here after re-auth');
    await pageA.press('#chat-input', 'Enter');
    await waitForMessage(pageB, 'still here after re-auth');
    const kinds = await seen(pageA);
    expect(kinds).toEqual(expect.arrayContaining([expect.stringMatching(/^auth_required /), expect.stringMatching(/^refreshed /), expect.stringMatching(/^auth_ok /)]));
    // Re-auth happened in-band: from the first auth_required on, the socket was only ready or re-authenticating
    // (never reconnecting, never closed).
    const since = kinds.slice(kinds.findIndex((k) => k.startsWith('auth_required ')));
    expect(since.filter((k) => k.startsWith('state ') && !/^state (ready|reauthenticating)\b/.test(k))).toEqual([]);
    // The light is yellow while a re-auth is in flight, and with a 4 s token one starts every ~1.5 s: wait for green
    // rather than sample it (a sample landed inside one in CI).
    await light(pageA, 'green');
    await shot(pageA, '4-after-reauth');
  });

  it('turns red with the reason after an admin revokes the session', async () => {
    const sessionId = await pageA.evaluate(() => (window as any).demo.chat.session.sessionId as string);
    const admin = await loginAdmin(t);
    expect((await t.http().delete(`/v1/admin/sessions/${sessionId}`).set(bearer(admin.accessToken))).status).toBe(204);
    await light(pageA, 'red');
    expect(await pageA.textContent('#status-text')).toMatch(/SESSION_REVOKED/);
    // The other page's session is untouched.
    expect(await pageB.getAttribute('#status', 'data-light')).toBe('green');
    await shot(pageA, '5-revoked-red');
  });

  it('is refused at the upgrade when the page comes from another origin', async () => {
    const foreign: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
      const refusedBefore = await authAttempts(t, 'origin', 'refused');
      const url = `${t.wsUrl}/ws/reflections/00000000-0000-4000-8000-000000000000`;
      const result = await page.evaluate(([u, token]) => new Promise<{ opened: boolean; code: number }>((resolve) => {
        let opened = false;
        const ws = new WebSocket(u, ['portcullis.v2', `bearer.${token}`]);
        ws.onopen = () => { opened = true; };
        ws.onclose = (e) => resolve({ opened, code: e.code });
      }), [url, bob.accessToken] as const);
      expect(result).toEqual({ opened: false, code: 1006 });
      expect(await authAttempts(t, 'origin', 'refused')).toBe(refusedBefore + 1);
      await page.close();
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  });
});

describe('@portcullis/client in Chromium, on a socket that goes dark', () => {
  let t: TestApp;
  let proxy: BlackholeProxy;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it (CI does): apt-get update && apt-get install -y chromium`);
    buildSdk();
    const launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    launching.catch(() => undefined);
    t = await startTestApp();
    proxy = await startBlackholeProxy(Number(new URL(t.baseUrl).port));
    browser = await launching;
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await t?.close();
  });

  /**
   * A page (and its SDK and socket) served through the proxy, one origin as behind a real load balancer, with a
   * client in `window.dark` that is ready and has had 'before' acked and delivered (seq 1). `dark.until(state)` resolves at the
   * next change into `state`; `dark.pageEvents` lists the `online`/`offline` events the page received.
   */
  async function sdkPage(title: string, options: { liveness: object; backoff: object; random?: number }) {
    const user = await createUser(t);
    const conv = (await t.http().post('/v1/conversations').set(bearer(user.accessToken)).send({ title })).body.id as string;
    const context = await browser!.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${proxy.baseUrl}/demo`);
    // A string, so the test's compiler does not rewrite the page's import().
    await page.evaluate('import("/demo/sdk/index.js").then((sdk) => { window.PortcullisClient = sdk.PortcullisClient; })');
    const first = await page.evaluate(async ([url, token, opts]) => {
      const w = window as any;
      const PortcullisClient = w.PortcullisClient;
      const backoff = opts.random === undefined ? opts.backoff : { ...opts.backoff, random: () => opts.random };
      const client = new PortcullisClient({ url, getToken: () => token, liveness: opts.liveness, backoff });
      const until = (state: string, ms = 10_000) => new Promise((resolve, reject) => {
        const timer = setTimeout(() => { off(); reject(new Error(`no ${state} within ${ms} ms; states: ${w.dark.states.join(' | ')}`)); }, ms);
        const off = client.on('state', (s: any) => { if (s.state === state) { clearTimeout(timer); off(); resolve(s); } });
      });
      w.dark = { client, states: [] as string[], pageEvents: [] as string[], until };
      for (const type of ['online', 'offline']) window.addEventListener(type, () => w.dark.pageEvents.push(`${type} ${navigator.onLine}`));
      client.on('state', (s: any) => w.dark.states.push([s.state, s.reason, s.closeCode].filter((x) => x !== undefined).join(' ')));
      const ready = until('ready');
      client.connect();
      await ready;
      // The server acks, then sends the message to its members, this socket too. Both are in before the path goes
      // dark: a frame still on its way would arrive after the check's ping and answer it.
      const echoed = new Promise<void>((resolve) => { const off = client.on('chat_message', () => { off(); resolve(); }); });
      const seq = (await client.chat('before')).seq as number;
      await echoed;
      return seq;
    }, [`${proxy.wsUrl}/ws/conversations/${conv}`, user.accessToken, options] as const);
    expect(first).toBe(1);
    const stored = async () => ((await t.http().get(`/v1/conversations/${conv}/messages`).set(bearer(user.accessToken))).body as Array<{ content: string }>).map((m) => m.content);
    return { context, page, errors, stored };
  }

  /** A dark socket dropped by the watchdog after pongTimeoutMs (300 ms), replaced, then the client closed. */
  const DROPPED_AND_BACK = [
    'connecting connect', 'authenticating socket open (subprotocol)', 'ready ready',
    'reconnecting no answer to ping within 300 ms 1006',
    'connecting no answer to ping within 300 ms', 'authenticating socket open (subprotocol)', 'ready ready',
    'closed client closed',
  ];

  /** The chat sent into the dark was acked on the new socket (seq 2) and stored once, through exactly DROPPED_AND_BACK. */
  async function expectDroppedAndBack(after: { seq: number; states: string[] }, errors: string[], stored: () => Promise<string[]>): Promise<void> {
    expect(after.seq).toBe(2);
    expect(after.states).toEqual(DROPPED_AND_BACK);
    expect(await stored()).toEqual(['before', 'into the dark']);
    expect(errors).toEqual([]);
  }

  it('pings, gives up when nothing answers, reconnects and resends the chat the dark socket lost', async () => {
    const { page, errors, stored } = await sdkPage('dark in Chromium', { liveness: { idleMs: 200, pongTimeoutMs: 300 }, backoff: { initialMs: 50, maxMs: 100 } });
    expect(proxy.darkenOpen()).toBeGreaterThanOrEqual(1); // the socket, and any keep-alive connection the page holds
    const after = await page.evaluate(async () => {
      const { client, states } = (window as any).dark;
      const seq = (await client.chat('into the dark')).seq as number;
      client.close();
      return { seq, states: states as string[] };
    });
    await expectDroppedAndBack(after, errors, stored);
  });

  it('on `online`, checks at once: a dark socket is dropped within pongTimeoutMs (idleMs is a minute), replaced, and its chat stored once', async () => {
    const { page, errors, stored } = await sdkPage('online in Chromium', { liveness: { idleMs: 60_000, pongTimeoutMs: 300 }, backoff: { initialMs: 50, maxMs: 100 } });
    expect(proxy.darkenOpen()).toBeGreaterThanOrEqual(1);
    const after = await page.evaluate(async () => {
      const { client, states, until } = (window as any).dark;
      const intoTheDark = client.chat('into the dark');
      const dropped = until('reconnecting');
      window.dispatchEvent(new Event('online'));
      await dropped; // within 10 s, or the check did not happen: the idle ping is a minute away
      const seq = (await intoTheDark).seq as number;
      client.close();
      return { seq, states: states as string[] };
    });
    await expectDroppedAndBack(after, errors, stored);
  });

  it('with Chromium\'s own offline/online events (context.setOffline): checks when the network is back, and cuts a long backoff short when it is back again', async () => {
    // A minute's backoff (random pinned): only the `online` shortcut can bring the client back within the test.
    const { context, page, errors, stored } = await sdkPage('setOffline in Chromium', {
      liveness: { idleMs: 60_000, pongTimeoutMs: 300 }, backoff: { initialMs: 60_000, maxMs: 60_000 }, random: 0.99,
    });
    // The network switch: Chromium goes offline (holding the socket's traffic, not closing it) and the old path dies.
    await context.setOffline(true);
    expect(proxy.darkenOpen()).toBeGreaterThanOrEqual(1);
    await page.evaluate(() => {
      const d = (window as any).dark;
      d.intoTheDark = d.client.chat('into the dark').then((ack: any) => ack.seq);
      d.dropped = d.until('reconnecting');
    });
    await context.setOffline(false); // a real `online`: the check finds the path dead
    const dropped = await page.evaluate(async () => {
      const d = (window as any).dark;
      const change = await d.dropped;
      d.back = d.until('ready');
      return { reason: change.reason, retryInMs: change.retryInMs };
    });
    expect(dropped.reason).toBe('no answer to ping within 300 ms');
    expect(dropped.retryInMs).toBeGreaterThan(50_000);
    await context.setOffline(true);
    await context.setOffline(false); // back again, while the client waits out its backoff
    const after = await page.evaluate(async () => {
      const d = (window as any).dark;
      await d.back;
      const seq = (await d.intoTheDark) as number;
      d.client.close();
      return { seq, states: d.states as string[], pageEvents: d.pageEvents as string[] };
    });
    expect(after.pageEvents).toEqual(['offline false', 'online true', 'offline false', 'online true']);
    expect(after.seq).toBe(2);
    expect(after.states).toEqual([
      'connecting connect', 'authenticating socket open (subprotocol)', 'ready ready',
      'reconnecting no answer to ping within 300 ms 1006',
      'connecting network online', 'authenticating socket open (subprotocol)', 'ready ready',
      'closed client closed',
    ]);
    expect(await stored()).toEqual(['before', 'into the dark']);
    expect(errors).toEqual([]);
  });
});
