import { CannotExecuteNotConnectedError, ConnectionIsNotSetError } from 'typeorm';

/** Driver codes that mean "the database cannot be reached right now", not "this query is wrong". */
const UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE',
  // PostgreSQL: admin/crash shutdown, cannot connect now, too many connections, connection exceptions (class 08)
  '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006',
  // SQLite: locked past the busy timeout, cannot open, I/O error, disk full
  'SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR', 'SQLITE_FULL',
]);
// `timeout expired`: pg's own connectionTimeoutMillis firing (a host that drops packets).
const UNAVAILABLE_TEXT = /Connection terminated|timeout exceeded when trying to connect|^timeout expired$|Database is closed|not established|Driver not Connected/i;

/** True when `err` says the database is down or unreachable (REST answers 503, not 500). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof CannotExecuteNotConnectedError || err instanceof ConnectionIsNotSetError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const driver = (err as { driverError?: unknown }).driverError ?? err;
  const code = (driver as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.has(code)) return true;
  const message = (driver as { message?: unknown }).message;
  return typeof message === 'string' && UNAVAILABLE_TEXT.test(message);
}
