import { CHECK_SPACING_MS, LIVENESS_DEFAULTS, resolveLiveness, Watchdog } from './liveness';

describe('resolveLiveness', () => {
  it('defaults, keeps what is given, and turns off with false', () => {
    expect(resolveLiveness(undefined)).toEqual(LIVENESS_DEFAULTS);
    expect(resolveLiveness({ idleMs: 5000 })).toEqual({ ...LIVENESS_DEFAULTS, idleMs: 5000 });
    expect(resolveLiveness(false)).toBeNull();
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1000'])('refuses %p, naming the field', (bad) => {
    expect(() => resolveLiveness({ pongTimeoutMs: bad as number })).toThrow('liveness.pongTimeoutMs must be a positive number');
  });
});

describe('Watchdog', () => {
  const options = { idleMs: 1000, pongTimeoutMs: 300, connectTimeoutMs: 2000 };
  let pings: number;
  let deaths: string[];
  let dog: Watchdog;

  beforeEach(() => {
    jest.useFakeTimers();
    pings = 0;
    deaths = [];
    dog = new Watchdog(options, () => pings++, (why) => deaths.push(why), () => Date.now());
  });
  afterEach(() => {
    dog.stop();
    jest.useRealTimers();
  });

  it('gives an attempt connectTimeoutMs to reach ready, and no more', () => {
    dog.opening();
    jest.advanceTimersByTime(1999);
    expect(deaths).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(deaths).toEqual(['no ready within 2000 ms']);
    expect(pings).toBe(0);
  });

  it('reaching ready ends the connect deadline', () => {
    dog.opening();
    jest.advanceTimersByTime(1500);
    dog.ready();
    jest.advanceTimersByTime(999);
    expect(deaths).toEqual([]);
    expect(pings).toBe(0);
  });

  it('pings after idleMs of silence, and stays up while each ping is answered', () => {
    dog.ready();
    for (let round = 1; round <= 5; round++) {
      jest.advanceTimersByTime(1000);
      expect(pings).toBe(round);
      jest.advanceTimersByTime(50);
      dog.heard(); // the pong
    }
    jest.advanceTimersByTime(299);
    expect(deaths).toEqual([]);
  });

  it('counts the next quiet spell from the answer, not from the end of the wait for it', () => {
    const slowTimeout = new Watchdog({ ...options, pongTimeoutMs: 5000 }, () => pings++, (why) => deaths.push(why), () => Date.now());
    slowTimeout.ready();
    jest.advanceTimersByTime(1000);
    expect(pings).toBe(1);
    jest.advanceTimersByTime(20);
    slowTimeout.heard();
    jest.advanceTimersByTime(999);
    expect(pings).toBe(1);
    jest.advanceTimersByTime(1);
    expect(pings).toBe(2);
    slowTimeout.stop();
    expect(deaths).toEqual([]);
  });

  it('declares the connection dead when nothing answers the ping within pongTimeoutMs', () => {
    dog.ready();
    jest.advanceTimersByTime(1000);
    expect(pings).toBe(1);
    jest.advanceTimersByTime(299);
    expect(deaths).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(deaths).toEqual(['no answer to ping within 300 ms']);
    jest.advanceTimersByTime(10_000);
    expect(pings).toBe(1); // stopped: nothing more until the next socket
  });

  it('sends no ping while frames keep arriving, counting silence from the last one', () => {
    dog.ready();
    for (let t = 0; t < 5000; t += 400) {
      jest.advanceTimersByTime(400);
      dog.heard();
    }
    expect(pings).toBe(0);
    jest.advanceTimersByTime(999);
    expect(pings).toBe(0);
    jest.advanceTimersByTime(1);
    expect(pings).toBe(1);
  });

  describe('check()', () => {
    it('pings at once on a socket heard from a moment ago, and declares it dead after pongTimeoutMs, not idleMs', () => {
      dog.ready();
      jest.advanceTimersByTime(10);
      dog.heard(); // traffic from before the network changed proves nothing about the path after it
      expect(dog.check()).toBe(true);
      expect(pings).toBe(1);
      jest.advanceTimersByTime(299);
      expect(deaths).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(deaths).toEqual(['no answer to ping within 300 ms']);
      expect(pings).toBe(1);
    });

    it('goes back to the idle rhythm once anything answers', () => {
      dog.ready();
      jest.advanceTimersByTime(400);
      expect(dog.check()).toBe(true);
      jest.advanceTimersByTime(20);
      dog.heard();
      jest.advanceTimersByTime(999);
      expect({ pings, deaths }).toEqual({ pings: 1, deaths: [] });
      jest.advanceTimersByTime(1);
      expect(pings).toBe(2); // idleMs after the answer
    });

    it('adds nothing while a ping waits for its answer: that ping\'s deadline stands', () => {
      dog.ready();
      jest.advanceTimersByTime(1000);
      expect(pings).toBe(1); // the idle ping
      jest.advanceTimersByTime(200);
      expect(dog.check()).toBe(false);
      expect(pings).toBe(1);
      jest.advanceTimersByTime(100);
      expect(deaths).toEqual(['no answer to ping within 300 ms']); // 300 ms from the idle ping, not from the check
    });

    it('sends one ping per CHECK_SPACING_MS after an answer, however often it is asked', () => {
      const patient = new Watchdog({ ...options, idleMs: 60_000 }, () => pings++, (why) => deaths.push(why), () => Date.now());
      patient.ready();
      expect(patient.check()).toBe(true);
      jest.advanceTimersByTime(5);
      patient.heard(); // the answer
      let refused = 0;
      for (let t = 0; t < CHECK_SPACING_MS; t += 100) {
        if (!patient.check()) refused++;
        jest.advanceTimersByTime(100);
      }
      expect({ refused, pings }).toEqual({ refused: 10, pings: 1 });
      expect(patient.check()).toBe(true); // 1000 ms after the answer
      expect(patient.check()).toBe(false); // waiting for this one's answer
      expect(pings).toBe(2);
      patient.stop();
    });

    it('does nothing before ready (the connect deadline stands) or after stop()', () => {
      expect(dog.check()).toBe(false);
      dog.opening();
      expect(dog.check()).toBe(false);
      jest.advanceTimersByTime(2000);
      expect(deaths).toEqual(['no ready within 2000 ms']);
      dog.ready();
      dog.stop();
      expect(dog.check()).toBe(false);
      jest.advanceTimersByTime(60_000);
      expect(pings).toBe(0);
    });

    it('a new socket may be checked at once, whatever the last one answered', () => {
      dog.ready();
      expect(dog.check()).toBe(true);
      dog.heard();
      dog.stop();
      dog.opening();
      dog.ready();
      expect(dog.check()).toBe(true);
      expect(pings).toBe(2);
    });
  });

  it('stop() silences every timer', () => {
    dog.opening();
    dog.stop();
    dog.ready();
    dog.stop();
    jest.advanceTimersByTime(60_000);
    expect({ pings, deaths }).toEqual({ pings: 0, deaths: [] });
  });
});
