/** What the end-of-turn flush needs of a socket: Connection.flush. */
export interface Flushable {
  flush(): void;
}

const toFlush: Flushable[] = [];
let flushScheduled = false;

/**
 * Flushes `conn` once this turn's synchronous work and promise reactions have
 * run (process.nextTick), with every other socket corked in the same turn:
 * one scheduled callback however many sockets (see Connection.coalesce).
 */
export function flushAfterThisTurn(conn: Flushable): void {
  toFlush.push(conn);
  if (flushScheduled) return;
  flushScheduled = true;
  process.nextTick(flushAll);
}

function flushAll(): void {
  flushScheduled = false;
  const conns = toFlush.splice(0);
  for (const conn of conns) {
    try {
      conn.flush();
    } catch {
      // a socket destroyed meanwhile: nothing left to send
    }
  }
}
