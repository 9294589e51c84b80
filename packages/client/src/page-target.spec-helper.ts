/** For the specs (never built into the package): a page's global scope or document, a real EventTarget that counts the listeners it holds. */
export class CountingTarget extends EventTarget {
  listeners = 0;
  visibilityState = 'visible';
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    this.listeners++;
    super.addEventListener(type, listener);
  }
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    this.listeners--;
    super.removeEventListener(type, listener);
  }
}
