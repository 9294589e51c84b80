/**
 * Session clock: memory per scheduled socket and cost of schedule / cancel.
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/session-clock.bench.ts
 *
 * (`npx ts-node --transpile-only bench/session-clock.bench.ts` also runs, but
 * without --expose-gc the memory figure is only indicative.)
 * Prints figures only; nothing here asserts on time.
 */
import { performance } from 'node:perf_hooks';
import { SessionClock } from '../src/realtime/session/session-clock';

const N = 100_000;
const SPREAD_MS = 15 * 60_000;
const RESCHEDULE_SHARE = 0.1;

const gc = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

function main(): void {
  const now = Date.now();
  const clock = new SessionClock<{ id: number }>(
    { leadMs: 60_000 },
    { prompt: () => undefined, expire: () => undefined },
  );
  // Subjects and their expiries exist before the baseline: only the clock's own memory is measured.
  const subjects = Array.from({ length: N }, (_, id) => ({ id }));
  const expiries = Float64Array.from(subjects, () => now + 60_000 + Math.random() * SPREAD_MS);
  const rescheduled = subjects.slice(0, N * RESCHEDULE_SHARE);

  const before = heapUsed();
  let t = performance.now();
  for (let i = 0; i < N; i++) clock.schedule(subjects[i], expiries[i]);
  const scheduleUs = ((performance.now() - t) * 1000) / N;
  const scheduled = heapUsed();

  t = performance.now();
  for (const s of rescheduled) clock.schedule(s, now + 60_000 + Math.random() * SPREAD_MS);
  const rescheduleUs = ((performance.now() - t) * 1000) / rescheduled.length;

  t = performance.now();
  for (const s of subjects) clock.cancel(s);
  const cancelUs = ((performance.now() - t) * 1000) / N;
  const cancelled = heapUsed();
  clock.stop();
  // Keep the inputs reachable until here, or their collection skews the deltas.
  if (subjects.length !== expiries.length) throw new Error('unreachable');

  const rows: Array<[string, string]> = [
    ['subjects', N.toLocaleString('en')],
    ['expiries spread over', `${SPREAD_MS / 60_000} min`],
    ['bytes per subject (scheduled)', ((scheduled - before) / N).toFixed(0)],
    ['bytes per subject left after cancel', ((cancelled - before) / N).toFixed(1)],
    ['µs per schedule', scheduleUs.toFixed(3)],
    [`µs per reschedule (${rescheduled.length.toLocaleString('en')})`, rescheduleUs.toFixed(3)],
    ['µs per cancel', cancelUs.toFixed(3)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`session-clock bench (node ${process.version}${gc ? '' : ', no --expose-gc: memory is indicative'})`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v.padStart(10)}`);
}

main();
