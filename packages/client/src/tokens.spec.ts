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
