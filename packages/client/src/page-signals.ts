/** What the page can tell the client: the network came back, or the page is shown again. */
export type PageSignal = 'online' | 'visible';

export interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

export interface PageTargets {
  /** Fires `online` (a window, or a worker's global scope). */
  global: EventTargetLike;
  /** Fires `visibilitychange`; absent in a worker. */
  document?: EventTargetLike & { readonly visibilityState?: string };
}

/**
 * The page's own targets: globalThis where it takes listeners (a window or a
 * worker; Node's globalThis does not), and `document` where there is one.
 * null in Node, where nothing changes.
 */
export function browserPageTargets(): PageTargets | null {
  const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown; document?: PageTargets['document'] };
  if (typeof g.addEventListener !== 'function' || typeof g.removeEventListener !== 'function') return null;
  const doc = g.document && typeof g.document.addEventListener === 'function' ? g.document : undefined;
  return { global: globalThis as unknown as EventTargetLike, document: doc };
}

/**
 * A socket does not hear that the laptop changed Wi-Fi or the phone went from
 * Wi-Fi to cellular: it stays "open" on a path that is gone, and the watchdog
 * finds out only after idleMs + pongTimeoutMs. The page does hear it: `online`
 * on the global scope, and `visibilitychange` to `visible` when a tab or a
 * phone's browser is shown again (timers in a hidden page run late, and the
 * device may have slept or moved). This passes those on as signals, from
 * start() (connect) to stop() (closed): a client that is not connected holds
 * no listener.
 */
export class PageSignals {
  private listening = false;
  private readonly online = () => this.signal('online');
  private readonly visibility = () => {
    if (this.targets?.document?.visibilityState === 'visible') this.signal('visible');
  };

  constructor(private readonly targets: PageTargets | null, private readonly signal: (signal: PageSignal) => void) {}

  get active(): boolean {
    return this.listening;
  }

  start(): void {
    if (!this.targets || this.listening) return;
    this.listening = true;
    this.targets.global.addEventListener('online', this.online);
    this.targets.document?.addEventListener('visibilitychange', this.visibility);
  }

  stop(): void {
    if (!this.targets || !this.listening) return;
    this.listening = false;
    this.targets.global.removeEventListener('online', this.online);
    this.targets.document?.removeEventListener('visibilitychange', this.visibility);
  }
}
