import fc from 'fast-check';
import { SessionClock, SessionClockOptions } from './session-clock';

type Subject = { id: number };
type Event = { kind: 'prompt' | 'expire'; id: number; at: number; expiresAt: number; deadline?: number };

// Deliberately not on a 250 ms boundary, so rounding is exercised.
const T0 = 1_700_000_000_123;
const RES = 250;

function setup(options: Partial<SessionClockOptions<Subject>> = {}) {
  const events: Event[] = [];
  const clock = new SessionClock<Subject>(
    { leadMs: 60_000, now: () => Date.now(), ...options },
    {
      prompt: (s, expiresAt, deadline) => events.push({ kind: 'prompt', id: s.id, at: Date.now(), expiresAt, deadline }),
      expire: (s, expiresAt) => events.push({ kind: 'expire', id: s.id, at: Date.now(), expiresAt }),
    },
  );
  return { clock, events };
}

const ceil = (t: number, res = RES) => Math.ceil(t / res) * res;

describe('SessionClock', () => {
  let clock: SessionClock<Subject> | undefined;

  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    clock?.stop();
    clock = undefined;
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('prompts leadMs before expiry, rounded up to the bucket, with the deadline', () => {
    const t = setup({ graceMs: 2_000 });
    clock = t.clock;
    const expiresAt = T0 + 15 * 60_000;
    clock.schedule({ id: 1 }, expiresAt);

    jest.advanceTimersByTime(ceil(expiresAt - 60_000) - T0 - 1);
    expect(t.events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(t.events).toEqual([
      { kind: 'prompt', id: 1, at: ceil(expiresAt - 60_000), expiresAt, deadline: expiresAt + 2_000 },
    ]);
  });

  it('expires at expiresAt + grace rounded up, never early, once', () => {
    const t = setup({ graceMs: 2_000 });
    clock = t.clock;
    const s = { id: 1 };
    const expiresAt = T0 + 15 * 60_000;
    clock.schedule(s, expiresAt);

    jest.advanceTimersByTime(ceil(expiresAt + 2_000) - T0 - 1);
    expect(t.events.map((e) => e.kind)).toEqual(['prompt']);
    jest.advanceTimersByTime(1);
    expect(t.events[1]).toEqual({ kind: 'expire', id: 1, at: ceil(expiresAt + 2_000), expiresAt });
    expect(clock.has(s)).toBe(false);
    expect(clock.size).toBe(0);
    jest.advanceTimersByTime(60 * 60_000);
    expect(t.events).toHaveLength(2);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a re-auth replaces the old prompt and expiry with new ones', () => {
    const t = setup();
    clock = t.clock;
    const s = { id: 1 };
    const first = T0 + 5 * 60_000;
    const second = T0 + 20 * 60_000;
    clock.schedule(s, first);
    jest.advanceTimersByTime(60_000);
    clock.schedule(s, second);
    // The replaced schedule costs no wake-up: the next timer is the new prompt.
    jest.advanceTimersToNextTimer();
    expect(Date.now()).toBe(ceil(second - 60_000));

    jest.advanceTimersByTime(second - T0); // well past the first expiry
    expect(t.events.map((e) => [e.kind, e.expiresAt, e.at])).toEqual([
      ['prompt', second, ceil(second - 60_000)],
      ['expire', second, ceil(second)],
    ]);
  });

  it('a re-auth after the prompt replaces the pending expiry', () => {
    const t = setup();
    clock = t.clock;
    const s = { id: 1 };
    clock.schedule(s, T0 + 120_000);
    jest.advanceTimersByTime(90_000); // prompted, expiry pending
    clock.schedule(s, T0 + 600_000);
    jest.advanceTimersByTime(600_000);
    expect(t.events.map((e) => [e.kind, e.expiresAt])).toEqual([
      ['prompt', T0 + 120_000],
      ['prompt', T0 + 600_000],
      ['expire', T0 + 600_000],
    ]);
  });

  it('cancel on close prevents both prompt and expiry, and is idempotent', () => {
    const t = setup();
    clock = t.clock;
    const a = { id: 1 };
    const b = { id: 2 };
    clock.schedule(a, T0 + 120_000);
    clock.schedule(b, T0 + 120_000);
    clock.cancel(a);
    clock.cancel(a);
    expect(clock.has(a)).toBe(false);
    expect(clock.size).toBe(1);
    jest.advanceTimersByTime(90_000);
    clock.cancel(b); // after its prompt: the expiry must not fire
    jest.advanceTimersByTime(60 * 60_000);
    expect(t.events.map((e) => [e.kind, e.id])).toEqual([['prompt', 2]]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a handler that closes another subject due in the same tick stops its expiry', () => {
    const prompted: number[] = [];
    const expired: number[] = [];
    const subjects = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const c = new SessionClock<Subject>(
      { leadMs: 0, now: () => Date.now() },
      {
        prompt: (s) => prompted.push(s.id),
        expire: (s) => {
          expired.push(s.id);
          // Closing socket 1 also closes 2 (say, the same session) and re-auths 3.
          if (s.id === 1) {
            c.cancel(subjects[1]);
            c.schedule(subjects[2], Date.now() + 60_000);
          }
        },
      },
    );
    clock = c;
    for (const s of subjects) c.schedule(s, T0 + 1_000);
    jest.advanceTimersByTime(2_000);
    expect(prompted).toEqual([1]);
    expect(expired).toEqual([1]);
    jest.advanceTimersByTime(60_000);
    expect(prompted).toEqual([1, 3]);
    expect(expired).toEqual([1, 3]);
  });

  it('the timer never keeps the process alive', () => {
    const spy = jest.spyOn(global, 'setTimeout');
    clock = setup().clock;
    clock.schedule({ id: 1 }, T0 + 120_000);
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.results[0].value as NodeJS.Timeout).hasRef()).toBe(false);
  });

  it('buckets: 1000 subjects in one bucket share one timer and fire in the same tick', () => {
    const t = setup({ leadMs: 10_000 });
    clock = t.clock;
    const spy = jest.spyOn(global, 'setTimeout');
    const base = ceil(T0 + 60_000); // a bucket boundary; the bucket is (base - 250, base]
    const subjects = Array.from({ length: 1000 }, (_, i) => ({ id: i }));
    for (const s of subjects) {
      clock.schedule(s, base - RES + 1 + ((s.id * 7) % RES));
      expect(jest.getTimerCount()).toBeLessThanOrEqual(1);
    }
    expect(spy).toHaveBeenCalledTimes(1);

    jest.advanceTimersByTime(base - 10_000 - T0);
    const prompts = t.events.filter((e) => e.kind === 'prompt');
    expect(prompts).toHaveLength(1000);
    expect(new Set(prompts.map((e) => e.at))).toEqual(new Set([base - 10_000]));
    expect(jest.getTimerCount()).toBe(1);

    jest.advanceTimersByTime(10_000);
    const expires = t.events.filter((e) => e.kind === 'expire');
    expect(expires).toHaveLength(1000);
    expect(new Set(expires.map((e) => e.at))).toEqual(new Set([base]));
    expect(spy).toHaveBeenCalledTimes(2); // one for the prompt bucket, one for the expiry bucket
  });

  it('re-arms for an earlier bucket, still with one timer', () => {
    const t = setup({ leadMs: 0 });
    clock = t.clock;
    clock.schedule({ id: 1 }, T0 + 10_000);
    clock.schedule({ id: 2 }, T0 + 1_000);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(ceil(T0 + 1_000) - T0);
    expect(t.events.map((e) => [e.kind, e.id])).toEqual([['prompt', 2], ['expire', 2]]);
    jest.advanceTimersByTime(10_000);
    expect(t.events.map((e) => e.id)).toEqual([2, 2, 1, 1]);
  });

  it('a lead longer than the remaining life prompts on the next tick', () => {
    const t = setup({ leadMs: 60_000 });
    clock = t.clock;
    const expiresAt = T0 + 30_000;
    clock.schedule({ id: 1 }, expiresAt);
    expect(t.events).toEqual([]);
    jest.advanceTimersByTime(ceil(T0) - T0);
    expect(t.events).toEqual([{ kind: 'prompt', id: 1, at: ceil(T0), expiresAt, deadline: expiresAt }]);
    jest.advanceTimersByTime(30_000);
    expect(t.events[1]).toMatchObject({ kind: 'expire', at: ceil(expiresAt) });
  });

  it('an already-expired subject expires on the next tick, never inside schedule', () => {
    const t = setup({ graceMs: 1_000 });
    clock = t.clock;
    const s = { id: 1 };
    clock.schedule(s, T0 - 5_000);
    expect(t.events).toEqual([]);
    expect(clock.has(s)).toBe(true);
    jest.advanceTimersByTime(ceil(T0) - T0);
    expect(t.events.map((e) => [e.kind, e.at])).toEqual([
      ['prompt', ceil(T0)],
      ['expire', ceil(T0)],
    ]);
    expect(clock.has(s)).toBe(false);
  });

  it('a throwing handler does not stop the others, and is reported', () => {
    const onError = jest.fn();
    const expired: number[] = [];
    clock = new SessionClock<Subject>(
      { leadMs: 1_000, now: () => Date.now(), onError },
      {
        prompt: (s) => {
          if (s.id === 1) throw new Error('boom');
        },
        expire: (s) => {
          expired.push(s.id);
          if (s.id === 2) throw new Error('bang');
        },
      },
    );
    for (const id of [1, 2, 3]) clock.schedule({ id }, T0 + 5_000);
    jest.advanceTimersByTime(10_000);
    expect(expired).toEqual([1, 2, 3]);
    expect(onError.mock.calls.map(([e, s, phase]) => [(e as Error).message, s.id, phase])).toEqual([
      ['boom', 1, 'prompt'],
      ['bang', 2, 'expire'],
    ]);
    // The clock still works afterwards.
    clock.schedule({ id: 4 }, Date.now() + 5_000);
    jest.advanceTimersByTime(10_000);
    expect(expired).toEqual([1, 2, 3, 4]);
  });

  it('a prompt handler that re-auths at once (into the past) does not spin', () => {
    let prompts = 0;
    const c = new SessionClock<Subject>(
      { leadMs: 1_000, now: () => Date.now() },
      {
        prompt: (s) => {
          prompts++;
          if (prompts < 5) c.schedule(s, Date.now() - 1);
        },
        expire: () => undefined,
      },
    );
    clock = c;
    c.schedule({ id: 1 }, T0 + 500);
    jest.advanceTimersByTime(ceil(T0) - T0);
    expect(prompts).toBe(1); // the replacement waits for the next tick
    jest.advanceTimersByTime(10 * RES);
    expect(prompts).toBe(5);
    expect(c.size).toBe(0);
  });

  it('stop() clears the timer and every schedule', () => {
    const t = setup();
    clock = t.clock;
    for (let id = 0; id < 10; id++) clock.schedule({ id }, T0 + 120_000 + id * 1_000);
    expect(jest.getTimerCount()).toBe(1);
    clock.stop();
    expect(jest.getTimerCount()).toBe(0);
    expect(clock.size).toBe(0);
    jest.advanceTimersByTime(60 * 60_000);
    expect(t.events).toEqual([]);
  });

  it('rejects nonsense options and expiries', () => {
    expect(() => setup({ leadMs: -1 })).toThrow(RangeError);
    expect(() => setup({ resolutionMs: 0 })).toThrow(RangeError);
    expect(() => setup().clock.schedule({ id: 1 }, NaN)).toThrow(RangeError);
  });

  it('property: each live schedule prompts once, then expires once in [deadline, deadline + resolution)', () => {
    type Op =
      | { op: 'schedule'; s: number; inMs: number }
      | { op: 'cancel'; s: number }
      | { op: 'advance'; ms: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('schedule' as const), s: fc.nat(5), inMs: fc.integer({ min: -3_000, max: 200_000 }) }),
      fc.record({ op: fc.constant('cancel' as const), s: fc.nat(5) }),
      fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 120_000 }) }),
    );

    fc.assert(
      fc.property(
        fc.record({
          start: fc.integer({ min: 0, max: 10_000 }),
          leadMs: fc.integer({ min: 0, max: 90_000 }),
          graceMs: fc.integer({ min: 0, max: 5_000 }),
          resolutionMs: fc.constantFrom(1, 50, 250, 1_000),
        }),
        fc.array(opArb, { maxLength: 40 }),
        ({ start, leadMs, graceMs, resolutionMs }, ops) => {
          jest.setSystemTime(T0 + start);
          type Gen = { expiresAt: number; at: number; prompts: number[]; expires: number[]; live: boolean };
          const gens: Gen[] = [];
          const current = new Map<number, Gen>();
          const record = (kind: 'prompt' | 'expire', s: Subject, expiresAt: number) => {
            const gen = current.get(s.id);
            // Anything fired for a replaced, cancelled or finished schedule fails here.
            if (!gen || gen.expiresAt !== expiresAt) throw new Error(`stale ${kind} for ${s.id}`);
            (kind === 'prompt' ? gen.prompts : gen.expires).push(Date.now());
            if (kind === 'expire') current.delete(s.id);
          };
          const errors: unknown[] = [];
          const c = new SessionClock<Subject>(
            { leadMs, graceMs, resolutionMs, now: () => Date.now(), onError: (e) => errors.push(e) },
            { prompt: (s, e) => record('prompt', s, e), expire: (s, e) => record('expire', s, e) },
          );
          const subjects = Array.from({ length: 6 }, (_, id) => ({ id }));

          for (const op of ops) {
            if (op.op === 'advance') {
              jest.advanceTimersByTime(op.ms);
            } else {
              const old = current.get(op.s);
              if (old) old.live = false;
              current.delete(op.s);
              if (op.op === 'cancel') {
                c.cancel(subjects[op.s]);
              } else {
                const gen: Gen = { expiresAt: Date.now() + op.inMs, at: Date.now(), prompts: [], expires: [], live: true };
                gens.push(gen);
                current.set(op.s, gen);
                c.schedule(subjects[op.s], gen.expiresAt);
              }
            }
          }
          jest.advanceTimersByTime(400_000);

          expect(errors).toEqual([]);
          expect(c.size).toBe(0);
          expect(jest.getTimerCount()).toBe(0);
          for (const g of gens) {
            const deadline = g.expiresAt + graceMs;
            const promptFrom = Math.max(g.at, g.expiresAt - leadMs);
            expect(g.prompts.length).toBeLessThanOrEqual(1);
            for (const p of g.prompts) {
              expect(p).toBeGreaterThanOrEqual(promptFrom);
              expect(p).toBeLessThan(promptFrom + resolutionMs);
            }
            if (!g.live) {
              expect(g.expires).toEqual([]);
              continue;
            }
            expect(g.prompts).toHaveLength(1);
            expect(g.expires).toHaveLength(1);
            const [x] = g.expires;
            expect(x).toBeGreaterThanOrEqual(deadline);
            expect(x).toBeLessThan(Math.max(deadline, g.at) + resolutionMs);
            expect(g.prompts[0]).toBeLessThanOrEqual(x);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
