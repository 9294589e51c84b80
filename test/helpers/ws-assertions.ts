import WebSocket from 'ws';
import { Frame, WsTestClient } from './ws-client';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Connects with a bearer header and waits for `ready`. */
export async function connectReady(url: string, token: string): Promise<{ c: WsTestClient; ready: Frame }> {
  const c = WsTestClient.connect(url, { headers: bearer(token) });
  const ready = await c.next('ready');
  return { c, ready };
}

/** The socket is open and still answers an app-level ping. */
export async function expectAlive(c: WsTestClient): Promise<void> {
  expect(c.ws.readyState).toBe(WebSocket.OPEN);
  const id = c.send('ping', {});
  const pong = await c.next('pong', 2000);
  expect(pong.refId).toBe(id);
}

/**
 * Waits for a server close within `ms` of now and checks the contract: the
 * `error` frame naming the close comes last, and nothing followed it.
 */
export async function expectServerClose(c: WsTestClient, code: number, errorCode: string, ms = 1000) {
  const closed = await c.closedWithin(ms);
  expect({ code: closed.code, error: closed.error?.payload.code }).toEqual({ code, error: errorCode });
  expect(closed.error?.payload.closeCode).toBe(code);
  const last = c.frames[c.frames.length - 1];
  expect(last).toBe(closed.error);
  return closed;
}

/** Runs the trigger, then expects each socket closed with the code within one second of the trigger's start. */
export async function expectClosedBy(trigger: () => Promise<unknown>, closes: Array<[WsTestClient, number, string]>): Promise<void> {
  const start = Date.now();
  await trigger();
  for (const [c, code, error] of closes) {
    await expectServerClose(c, code, error, Math.max(1, start + 1000 - Date.now()));
    expect(c.closedAt! - start).toBeLessThan(1000);
  }
}

/** Sleeps, for a test that must let time pass (expiry); not at all when `ms` is negative (a deadline already past: Node 24 warns on a negative timeout). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Polls every frame received so far (not the `next()` cursor) for one that matches. */
export async function waitFrame(c: WsTestClient, match: (f: Frame) => boolean, ms = 5000): Promise<Frame> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = c.frames.find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching frame within ${ms} ms; got ${c.types()}`);
    if (c.ws.readyState === WebSocket.CLOSED) throw new Error(`socket closed before a matching frame; got ${c.types()}`);
    await sleep(10);
  }
}

/** The value of one Prometheus sample, by name and (a subset of) labels; undefined when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}
