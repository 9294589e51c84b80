import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrossTabRefresh } from './cross-tab';
import { TokenManager } from './tokens';

const deferred = <T>() => {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
};

describe('TokenManager', () => {
  it('treats null and empty tokens as "no token"', async () => {
    for (const value of [null, undefined, '']) expect(await new TokenManager(() => value, undefined, null).current()).toBeNull();
  });

  it('shares one refresh between concurrent callers, also across clients using the same refresh function', async () => {
    const gate = deferred<string>();
    const refresh = jest.fn(() => gate.promise);
    const a = new TokenManager(() => 'old', refresh, null);
    const b = new TokenManager(() => 'old', refresh, null);
    const outcomes = Promise.all([a.fresh('old'), a.fresh('old'), b.fresh('old')]);
    gate.resolve('new');
    expect((await outcomes).map((o) => o.kind === 'token' && o.token)).toEqual(['new', 'new', 'new']);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(await a.current()).toBe('new'); // used until the app's own token changes
  });

  it('takes a newer app token instead of refreshing, and reports refusal and failure apart', async () => {
    expect(await new TokenManager(() => 'newer', jest.fn(), null).fresh('old')).toEqual({ kind: 'token', token: 'newer', refreshed: false });
    expect(await new TokenManager(() => 'old', async () => null, null).fresh('old')).toEqual({ kind: 'refused' });
    expect(await new TokenManager(() => 'old', undefined, null).fresh('old')).toEqual({ kind: 'refused' });
    expect((await new TokenManager(() => 'old', async () => { throw new Error('offline'); }, null).fresh('old')).kind).toBe('failed');
    expect(await new TokenManager(() => null, jest.fn(), null).fresh('old')).toEqual({ kind: 'no_token' });
  });
});

describe('cross-tab refresh', () => {
  /** Two "tabs": one lock manager and one broadcast bus between them, as a browser provides. */
  function twoTabs() {
    let chain = Promise.resolve<unknown>(undefined);
    const locks = { request: <T>(_name: string, cb: () => Promise<T>) => { const run = chain.then(cb); chain = run.catch(() => undefined); return run; } };
    const channels: Array<{ onmessage: ((e: { data: unknown }) => void) | null }> = [];
    class Channel {
      onmessage: ((e: { data: unknown }) => void) | null = null;
      constructor() { channels.push(this); }
      postMessage(data: unknown) { for (const c of channels) if (c !== this) c.onmessage?.({ data }); }
    }
    return [createCrossTabRefresh(locks, Channel), createCrossTabRefresh(locks, Channel)];
  }

  it('one tab refreshes; a tab that asked meanwhile reuses its token instead of spending the rotated refresh token', async () => {
    const [tabA, tabB] = twoTabs();
    const gate = deferred<void>();
    const refreshA = jest.fn(async () => { await gate.promise; return { kind: 'token' as const, token: 'from-A', refreshed: true }; });
    const refreshB = jest.fn(async () => ({ kind: 'token' as const, token: 'from-B', refreshed: true }));
    const a = tabA.run('session-1', refreshA);
    const b = tabB.run('session-1', refreshB);
    gate.resolve();
    expect(await a).toMatchObject({ token: 'from-A' });
    expect(await b).toMatchObject({ token: 'from-A' });
    expect(refreshB).not.toHaveBeenCalled();
  });

  it('does not share between sessions', async () => {
    const [tabA, tabB] = twoTabs();
    await tabA.run('session-1', async () => ({ kind: 'token', token: 'one', refreshed: true }));
    expect(await tabB.run('session-2', async () => ({ kind: 'token', token: 'two', refreshed: true }))).toMatchObject({ token: 'two' });
  });
});

describe('cross-tab refresh in Node', () => {
  it("unrefs the channel where it can (Node's BroadcastChannel), so it never keeps a process alive", () => {
    const unref = jest.fn();
    class Channel { onmessage: ((e: { data: unknown }) => void) | null = null; postMessage() {} unref = unref; }
    createCrossTabRefresh({ request: async <T>(_: string, cb: () => Promise<T>) => cb() }, Channel);
    expect(unref).toHaveBeenCalledTimes(1);
  });

  // Node 24 has navigator.locks and BroadcastChannel, so the coordinator is built there (the image's Node, which CI
  // also runs this suite on): a script that made a client then never exited. On Node 20 it has neither; the script
  // checks which, and says so.
  it('a Node script that makes a client exits when its work is done', () => {
    // The CommonJS build (as build.cjs makes it), into a folder of this test's own.
    const out = mkdtempSync(join(tmpdir(), 'client-cjs-'));
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, '..', 'tsconfig.cjs.json'), '--outDir', out], { stdio: 'pipe', timeout: 60_000 });
      const script = `
        const { PortcullisClient } = require(${JSON.stringify(join(out, 'index.js'))});
        new PortcullisClient({ url: 'ws://127.0.0.1:9/ws/conversations/x', getToken: () => 't', WebSocket: require('ws') });
        const nodeHasBoth = typeof navigator !== 'undefined' && !!navigator.locks && typeof BroadcastChannel === 'function';
        process.stdout.write(nodeHasBoth ? 'coordinator' : 'no coordinator');
      `;
      // execFileSync returns only once the process has exited; the timeout kills one that would not.
      expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 })).toMatch(/coordinator$/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 90_000);
});
