import { browserPageTargets, PageSignal, PageSignals } from './page-signals';
import { CountingTarget } from './page-target.spec-helper';

describe('PageSignals', () => {
  let global: CountingTarget;
  let document: CountingTarget;
  let seen: PageSignal[];
  let signals: PageSignals;

  beforeEach(() => {
    global = new CountingTarget();
    document = new CountingTarget();
    seen = [];
    signals = new PageSignals({ global, document }, (s) => seen.push(s));
  });

  const show = (state: 'visible' | 'hidden') => {
    document.visibilityState = state;
    document.dispatchEvent(new Event('visibilitychange'));
  };

  it('hears nothing before start()', () => {
    global.dispatchEvent(new Event('online'));
    show('visible');
    expect(seen).toEqual([]);
    expect(global.listeners + document.listeners).toBe(0);
  });

  it('passes on `online`, and a return to `visible` but not a change to `hidden`', () => {
    signals.start();
    global.dispatchEvent(new Event('online'));
    show('hidden');
    show('visible');
    global.dispatchEvent(new Event('offline'));
    expect(seen).toEqual(['online', 'visible']);
  });

  it('adds one listener per target however often started, and stop() removes them all', () => {
    signals.start();
    signals.start();
    expect([global.listeners, document.listeners, signals.active]).toEqual([1, 1, true]);
    signals.stop();
    signals.stop();
    expect([global.listeners, document.listeners, signals.active]).toEqual([0, 0, false]);
    global.dispatchEvent(new Event('online'));
    show('visible');
    expect(seen).toEqual([]);
  });

  it('listens again after a stop() and start()', () => {
    signals.start();
    signals.stop();
    signals.start();
    global.dispatchEvent(new Event('online'));
    expect(seen).toEqual(['online']);
    expect(global.listeners).toBe(1);
  });

  it('in a worker (no document) listens to `online` alone', () => {
    const worker = new PageSignals({ global }, (s) => seen.push(s));
    worker.start();
    global.dispatchEvent(new Event('online'));
    expect(seen).toEqual(['online']);
    worker.stop();
    expect(global.listeners).toBe(0);
  });

  it('without targets (Node) does nothing and holds nothing', () => {
    const none = new PageSignals(null, (s) => seen.push(s));
    none.start();
    expect(none.active).toBe(false);
    none.stop();
  });
});

describe('browserPageTargets', () => {
  const g = globalThis as Record<string, unknown>;
  afterEach(() => {
    delete g.addEventListener;
    delete g.removeEventListener;
    delete g.document;
  });

  it('is null in Node', () => {
    expect(browserPageTargets()).toBeNull();
  });

  it('finds the global scope and the document where a page has them', () => {
    const page = new EventTarget();
    g.addEventListener = page.addEventListener.bind(page);
    g.removeEventListener = page.removeEventListener.bind(page);
    g.document = new CountingTarget();
    expect(browserPageTargets()).toEqual({ global: globalThis, document: g.document });
    delete g.document;
    expect(browserPageTargets()).toEqual({ global: globalThis, document: undefined });
  });
});
