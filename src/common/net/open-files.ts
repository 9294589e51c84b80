import { readFileSync } from 'node:fs';

/**
 * The process's soft limit on open files (`ulimit -n`), from /proc/self/limits:
 * undefined where that file does not exist (not Linux) or says "unlimited".
 */
export function openFilesLimit(): number | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/** The soft limit from /proc/<pid>/limits text ("Max open files  <soft>  <hard>  files"). */
export function parseOpenFilesLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\S+)/m.exec(limits);
  const soft = m ? Number(m[1]) : NaN;
  return Number.isInteger(soft) && soft > 0 ? soft : undefined;
}

/**
 * How many sockets an instance can hold: WS_MAX_CONNECTIONS, or fewer where the
 * open-files limit would run out first. Every socket is a file; past the limit
 * the kernel accepts no more and libuv resets each new connection unanswered,
 * where a socket within the limit can still be told 1013 (try again later).
 * The reserve leaves room for the database, REST connections, logs and Node's
 * own descriptors: a quarter of the limit, at most 256.
 */
export function socketCapacity(configured: number, limit: number | undefined): { max: number; capped: boolean } {
  if (limit === undefined) return { max: configured, capped: false };
  const ceiling = Math.max(1, limit - Math.min(256, Math.floor(limit / 4)));
  return configured > ceiling ? { max: ceiling, capped: true } : { max: configured, capped: false };
}

/**
 * The sockets this instance may hold (socketCapacity with this process's limit),
 * saying at start when the limit is what sets it: a warning when WS_MAX_CONNECTIONS
 * was set higher, an info line when its default was.
 */
export function socketLimit(
  configured: number, explicit: boolean, log: { warn(fields: object, msg: string): void; log(fields: object, msg: string): void }, limit = openFilesLimit(),
): number {
  const { max, capped } = socketCapacity(configured, limit);
  if (capped && explicit) {
    log.warn({ WS_MAX_CONNECTIONS: configured, openFilesLimit: limit, maxSockets: max },
      'WS_MAX_CONNECTIONS is more sockets than this process may open (ulimit -n): sockets past maxSockets close 1013; raise the limit or lower WS_MAX_CONNECTIONS (docs/deployment.md)');
  } else if (capped) {
    log.log({ openFilesLimit: limit, maxSockets: max }, 'sockets held at most: maxSockets, set by the open-files limit (ulimit -n); past it they close 1013');
  }
  return max;
}
