/**
 * `new Date(ms).toISOString()`, with the text up to the second kept from
 * earlier calls. Every frame the service writes carries a timestamp (and
 * `ready` or `auth_ok` an expiry, a stored row its time), and V8 builds each
 * ISO string through a printf-style formatter: ~7,000 instructions a call, a
 * few per connect and per chat message. Within one second only the
 * milliseconds change, so each second is formatted once and they are appended.
 * A few seconds are kept at once (slot = second mod 16), so "now" and a
 * token's expiry, used in turn, do not evict each other. Identical output for
 * every time `Date` can hold (a property test holds it to `toISOString`); the
 * same RangeError for an invalid one.
 */
const MILLIS = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, '0')}Z`);
const SLOTS = 16;
const slotSecond = new Float64Array(SLOTS).fill(Number.NaN);
const slotPrefix: string[] = new Array<string>(SLOTS).fill('');

export function isoTime(at: number | Date = Date.now()): string {
  let ms = typeof at === 'number' ? at : at.getTime();
  // Date's own TimeClip: an integral count of milliseconds (a fraction is dropped toward zero), or invalid.
  if (!Number.isInteger(ms)) {
    if (!Number.isFinite(ms)) return new Date(ms).toISOString();
    ms = Math.trunc(ms) || 0;
  }
  const second = Math.floor(ms / 1000);
  const slot = second & (SLOTS - 1);
  if (slotSecond[slot] !== second) {
    const full = new Date(second * 1000).toISOString();
    // Years outside 0000-9999 have a six-digit, signed form: not worth a cache.
    if (full.length !== 24) return new Date(ms).toISOString();
    slotPrefix[slot] = full.slice(0, 20);
    slotSecond[slot] = second;
  }
  return slotPrefix[slot] + MILLIS[ms - second * 1000];
}
