import fc from 'fast-check';
import { AuditQueue } from './audit-queue';

/** A row as the queue is given it: a JSON array of text and nulls (AuditRepository's auditTuple). */
const tuple = (...values: Array<string | null>): string => JSON.stringify(values);

describe('AuditQueue', () => {
  it('gives back what was queued as one JSON array, in order, and starts again empty', () => {
    const q = new AuditQueue();
    expect(q.take()).toBe('[]');
    q.push(tuple('a', null, 'it\'s "quoted" \\ ünïcödé ✓ 😀'));
    q.push(tuple('b', '{"k": [1, "2"]}'));
    expect(q.count).toBe(2);
    expect(JSON.parse(q.take())).toEqual([['a', null, 'it\'s "quoted" \\ ünïcödé ✓ 😀'], ['b', '{"k": [1, "2"]}']]);
    expect(q.count).toBe(0);
    q.push(tuple('c'));
    expect(JSON.parse(q.take())).toEqual([['c']]);
  });

  it('grows past its first size without losing or reordering a row, and shrinks back after', () => {
    const q = new AuditQueue(64);
    const rows = Array.from({ length: 40 }, (_, i) => [`row ${i}`, 'x'.repeat(i * 7), i % 3 ? null : '✓😀'.repeat(i)]);
    for (const r of rows) q.push(JSON.stringify(r));
    expect(JSON.parse(q.take())).toEqual(rows);
    q.push(tuple('after'));
    expect(JSON.parse(q.take())).toEqual([['after']]);
  });

  it('round-trips any text, however the rows and the buffer\'s size fall', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constant(null));
    fc.assert(fc.property(fc.integer({ min: 2, max: 300 }), fc.array(fc.array(text, { maxLength: 8 }), { maxLength: 30 }), fc.integer({ min: 0, max: 30 }), (size, rows, cut) => {
      const q = new AuditQueue(size);
      const first = rows.slice(0, cut);
      const second = rows.slice(cut);
      for (const r of first) q.push(JSON.stringify(r));
      expect(JSON.parse(q.take())).toEqual(first);
      for (const r of second) q.push(JSON.stringify(r));
      expect(q.count).toBe(second.length);
      // A lone surrogate is written by JSON.stringify as an escape, so it comes back as it went in.
      expect(JSON.parse(q.take())).toEqual(second);
    }), { numRuns: 300 });
  });
});
