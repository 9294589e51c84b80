/** What the queue starts with, and returns to after a burst made it grow. */
const QUEUE_BYTES = 64 * 1024;

/**
 * The rows waiting for the next batch, kept as the batch's JSON array
 * (AuditRepository.insertTuples) in a Buffer, outside V8's heap. As objects,
 * each row waited up to AuditService's flush interval (200 ms): long enough to
 * outlive two scavenges and be copied into the old generation, where at 1,200
 * connects a second audit rows were a quarter of all that a connect promoted,
 * bringing each mark-compact that much sooner (docs/capacity.md §1,
 * 2026-12-06 14:25). Here a row is a string made, copied in and dropped at
 * once. AuditService empties the queue at every flush, and
 * AuditRepository.insertTuples writes what take() returns.
 */
export class AuditQueue {
  private buf: Buffer;
  /** Bytes written, the opening `[` included. */
  private used = 1;
  count = 0;

  constructor(private readonly initialBytes = QUEUE_BYTES) {
    this.buf = AuditQueue.empty(initialBytes);
  }

  /** Queues one row: its auditTuple() (AuditRepository), JSON text. */
  push(tuple: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8; the 2 are this row's `,` and the closing `]`.
    const need = this.used + tuple.length * 3 + 2;
    if (need > this.buf.length) {
      const bigger = AuditQueue.empty(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
    }
    if (this.count > 0) this.buf[this.used++] = 0x2c; // ,
    this.used += this.buf.write(tuple, this.used, 'utf8');
    this.count++;
  }

  /** The queued rows as one JSON array (`[]` when none); the queue is then empty, and back to its first size after a burst. */
  take(): string {
    this.buf[this.used++] = 0x5d; // ]
    const json = this.buf.toString('utf8', 0, this.used);
    if (this.buf.length > this.initialBytes) this.buf = AuditQueue.empty(this.initialBytes);
    this.used = 1;
    this.count = 0;
    return json;
  }

  private static empty(bytes: number): Buffer {
    const buf = Buffer.allocUnsafeSlow(bytes);
    buf[0] = 0x5b; // [
    return buf;
  }
}
