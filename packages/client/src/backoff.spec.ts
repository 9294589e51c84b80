import { BackoffWait } from './backoff';

describe('BackoffWait', () => {
  let fired: string[];
  let wait: BackoffWait;

  beforeEach(() => {
    jest.useFakeTimers();
    fired = [];
    wait = new BackoffWait(() => 0.5, () => Date.now());
  });
  afterEach(() => {
    wait.clear();
    jest.useRealTimers();
  });

  it('runs its callback once the delay is over, and is pending until then', () => {
    wait.start(1000, () => fired.push('retry'));
    jest.advanceTimersByTime(999);
    expect([wait.pending, fired]).toEqual([true, []]);
    jest.advanceTimersByTime(1);
    expect([wait.pending, fired]).toEqual([false, ['retry']]);
  });

  it('cutShort runs the other callback instead, at a random point within withinMs', () => {
    wait.start(30_000, () => fired.push('retry'));
    jest.advanceTimersByTime(100);
    expect(wait.cutShort(1000, () => fired.push('sooner'))).toBe(true);
    jest.advanceTimersByTime(499);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1); // random 0.5 × 1000
    expect(fired).toEqual(['sooner']);
    jest.advanceTimersByTime(60_000);
    expect(fired).toEqual(['sooner']);
  });

  it('never makes a wait longer: near its end, the random point falls within what is left', () => {
    wait.start(1000, () => fired.push('retry'));
    jest.advanceTimersByTime(800);
    wait.cutShort(1000, () => fired.push('sooner'));
    jest.advanceTimersByTime(100); // 0.5 × the 200 ms left
    expect(fired).toEqual(['sooner']);
  });

  it('cuts a wait short once: a second call leaves the first one\'s timing', () => {
    wait.start(30_000, () => fired.push('retry'));
    expect(wait.cutShort(1000, () => fired.push('first'))).toBe(true);
    jest.advanceTimersByTime(400);
    expect(wait.cutShort(1000, () => fired.push('second'))).toBe(false);
    jest.advanceTimersByTime(100);
    expect(fired).toEqual(['first']);
  });

  it('after a wait was cut short, lets the next one run its full length, and the one after that be cut again', () => {
    wait.start(30_000, () => fired.push('retry 1'));
    wait.cutShort(1000, () => fired.push('sooner 1'));
    jest.advanceTimersByTime(500);
    wait.start(30_000, () => fired.push('retry 2')); // the attempt brought forward failed
    expect(wait.cutShort(1000, () => fired.push('sooner 2'))).toBe(false);
    jest.advanceTimersByTime(30_000);
    wait.start(30_000, () => fired.push('retry 3'));
    expect(wait.cutShort(1000, () => fired.push('sooner 3'))).toBe(true);
    jest.advanceTimersByTime(500);
    expect(fired).toEqual(['sooner 1', 'retry 2', 'sooner 3']);
  });

  it('settled() (a connection got through) lets the next wait be cut short at once', () => {
    wait.start(30_000, () => fired.push('retry 1'));
    wait.cutShort(1000, () => fired.push('sooner 1'));
    jest.advanceTimersByTime(500);
    wait.settled();
    wait.start(30_000, () => fired.push('retry 2'));
    expect(wait.cutShort(1000, () => fired.push('sooner 2'))).toBe(true);
    jest.advanceTimersByTime(500);
    expect(fired).toEqual(['sooner 1', 'sooner 2']);
  });

  it('does nothing with no wait running, and clear() cancels either callback', () => {
    expect(wait.cutShort(1000, () => fired.push('sooner'))).toBe(false);
    wait.start(1000, () => fired.push('retry'));
    wait.clear();
    expect(wait.cutShort(1000, () => fired.push('sooner'))).toBe(false);
    wait.start(1000, () => fired.push('retry'));
    wait.cutShort(1000, () => fired.push('sooner'));
    wait.clear();
    jest.advanceTimersByTime(5000);
    expect([wait.pending, fired]).toEqual([false, []]);
  });
});
