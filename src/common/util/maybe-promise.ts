/** A value now, or later. For paths that are usually answered from memory. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * `next(value)` at once when `value` is not a promise, after it settles when it
 * is. A check answered from memory then costs no promise and no microtask, which
 * an `async` function would spend on every call, and a failure is thrown as it
 * happens rather than returned as a rejection: call this from `async` code or a
 * Nest guard, where both end the same way.
 */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}
