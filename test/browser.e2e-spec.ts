/**
 * The browser client in examples/browser, driven in a real Chromium: the page
 * logs in over REST, opens a conversation socket with the token in
 * Sec-WebSocket-Protocol, gets `ready`, sends a message and gets its `ack`,
 * and answers `auth_required` with a refresh and `auth`. A page from an origin
 * outside WS_ALLOWED_ORIGINS is refused at the upgrade.
 *
 * The page is served by examples/browser/serve.js (which forwards /v1 to the API)
 * on its own port, so its WebSocket to the API is cross-origin and the Origin
 * policy is really in play: WS_ALLOWED_ORIGINS names that origin only.
 *
 * Needs Debian's Chromium at /usr/bin/chromium; without it this test FAILS
 * (it does not skip): `apt-get update && apt-get install -y chromium`.
 */
import { existsSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { createUser, TestUser } from './helpers/factories';
import { startStaticServer, StaticServer } from './helpers/static-server';
import { startTestApp, TestApp } from './helpers/test-app';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// Short-lived tokens so the page meets auth_required (and its token's expiry) within the test.
const ACCESS_TTL_S = 4;
const REAUTH_LEAD_MS = 2500;

interface ClientEvent { kind: string; payload?: any; refId?: string; code?: number; opened?: boolean; protocol?: string }

jest.setTimeout(20_000);

describe('browser client (examples/browser) in Chromium', () => {
  let t: TestApp | undefined;
  let allowed: StaticServer | undefined;
  let foreign: StaticServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let launching: Promise<Browser> | undefined;
  const pageErrors: string[] = [];
  let user: TestUser;
  let conversationId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}. Install it (CI does): apt-get update && apt-get install -y chromium`);
    }
    launching = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    launching.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    [allowed, foreign] = await Promise.all([startStaticServer(), startStaticServer()]);
    t = await startTestApp({ WS_ALLOWED_ORIGINS: allowed.origin, JWT_ACCESS_TTL: `${ACCESS_TTL_S}s`, WS_REAUTH_LEAD_MS: String(REAUTH_LEAD_MS) });
    allowed.proxyTo = foreign.proxyTo = t.baseUrl;

    user = await createUser(t);
    const conv = await t.http().post('/v1/conversations').set('Authorization', `Bearer ${user.accessToken}`).send({ title: 'from the browser' });
    expect(conv.status).toBe(201);
    conversationId = conv.body.id;

    browser = await launching;
    // A fresh, throw-away profile: no cookies or storage from anything else.
    context = await browser.newContext();
  });

  afterAll(async () => {
    await (browser ?? (await launching?.catch(() => undefined)))?.close();
    await t?.close();
    await Promise.all([allowed?.close(), foreign?.close()]);
  });

  afterEach(() => {
    expect(pageErrors.splice(0)).toEqual([]);
  });

  /** Opens the example page from `origin`, fills the form and presses "Log in and connect". */
  async function openClient(origin: string): Promise<Page> {
    const page = await context!.newPage();
    page.on('pageerror', (err) => pageErrors.push(`${origin}: ${err.message}`));
    await page.goto(`${origin}/?ws=${encodeURIComponent(t!.wsUrl)}`);
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.fill('#conversation', conversationId);
    await page.click('#connect');
    return page;
  }

  const events = (page: Page): Promise<ClientEvent[]> => page.evaluate(() => (window as any).portcullis.events);

  /** Waits in the page for the n-th client event of a kind (1-based), and returns it. */
  async function waitForEvent(page: Page, kind: string, nth = 1, timeout = 5000): Promise<ClientEvent> {
    try {
      await page.waitForFunction(([k, n]) => (window as any).portcullis.events.filter((e: any) => e.kind === k).length >= n, [kind, nth] as const, { timeout, polling: 50 });
    } catch {
      throw new Error(`no ${kind} #${nth} within ${timeout} ms; the page saw: ${(await events(page)).map((e) => e.kind).join(', ')}`);
    }
    return (await events(page)).filter((e) => e.kind === kind)[nth - 1];
  }

  async function originRefusals(): Promise<number> {
    const res = await t!.http().get('/metrics');
    const m = /portcullis_ws_auth_attempts_total\{method="origin",result="refused"\} (\d+)/.exec(res.text);
    return m ? Number(m[1]) : 0;
  }

  it('logs in, connects with portcullis.v2, gets ready and acks, and re-authenticates on auth_required without dropping the socket', async () => {
    const page = await openClient(allowed!.origin);

    const ready = await waitForEvent(page, 'ready');
    expect(ready.payload).toMatchObject({ userId: user.id, resource: { conversationId } });
    // The server selected portcullis.v2, not the bearer.<token> entry.
    expect(await page.evaluate(() => (window as any).portcullis.state.socket.protocol)).toBe('portcullis.v2');
    expect((await waitForEvent(page, 'open')).protocol).toBe('portcullis.v2');
    // ...and it authenticated by the subprotocol, not by a fallback such as the first frame.
    expect((await t!.http().get('/metrics')).text).toMatch(/portcullis_ws_auth_attempts_total\{method="subprotocol",result="ok"\} [1-9]/);

    await page.fill('#message', 'hello from Chromium');
    await page.click('#send');
    const ack = await waitForEvent(page, 'ack');
    expect(ack.payload).toEqual({ refId: ack.refId, messageId: expect.any(String), seq: 1 });
    expect(await page.evaluate(() => (window as any).portcullis.state.pending.size)).toBe(0);
    // The ack means stored: REST history has it under the acked id and seq.
    const history = await t!.http().get(`/v1/conversations/${conversationId}/messages`).set('Authorization', `Bearer ${user.accessToken}`);
    expect(history.body).toEqual([expect.objectContaining({ messageId: ack.payload.messageId, seq: 1, content: 'hello from Chromium', authorId: user.id })]);

    // The token is short-lived: the server prompts, the page refreshes over REST and sends `auth`.
    const firstExpiry = Date.parse(ready.payload.expiresAt);
    await waitForEvent(page, 'auth_required', 1, ACCESS_TTL_S * 1000);
    await waitForEvent(page, 'refreshed');
    const ok = await waitForEvent(page, 'auth_ok');
    expect(Date.parse(ok.payload.expiresAt)).toBeGreaterThan(firstExpiry);

    // Past the first token's expiry the same socket is still open and still works.
    await page.waitForTimeout(Math.max(0, firstExpiry - Date.now()) + 500);
    await page.fill('#message', 'still here');
    await page.click('#send');
    expect((await waitForEvent(page, 'ack', 2)).payload.seq).toBe(2);
    const seen = await events(page);
    expect(seen.filter((e) => e.kind === 'close')).toEqual([]);
    expect(seen.filter((e) => e.kind === 'connecting')).toHaveLength(1);
    await page.close();
  });

  it('is refused at the upgrade when the page comes from an origin outside WS_ALLOWED_ORIGINS', async () => {
    const refusedBefore = await originRefusals();
    const page = await openClient(foreign!.origin);

    // REST through the page's own origin works; only the cross-origin socket is refused.
    await waitForEvent(page, 'login');
    const close = await waitForEvent(page, 'close');
    expect(close).toMatchObject({ code: 1006, opened: false });
    const seen = await events(page);
    expect(seen.map((e) => e.kind)).not.toContain('open');
    expect(seen.map((e) => e.kind)).not.toContain('ready');
    // And it was the Origin check that refused it (HTTP 403 at the upgrade), not some other failure.
    expect(await originRefusals()).toBeGreaterThan(refusedBefore);
    await page.close();
  });
});
