import type { Logger } from 'pino';
import { StartupError } from '../common/errors/startup-error';
import { isDatabaseUnavailable } from './database-errors';

/** pg ships no types and @types/pg is no dependency: the calls used here. */
interface PgClient { connect(): Promise<void>; end(): Promise<void>; on(event: 'error', listener: (err: Error) => void): void }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client } = require('pg') as { Client: new (options: { connectionString: string; connectionTimeoutMillis: number }) => PgClient };

/** Longest one attempt may take: a host that drops packets would otherwise hold it for the OS's TCP timeout (~2 min). */
const ATTEMPT_TIMEOUT_MS = 5000;
const RETRY_DELAY_MS = 1000;

/**
 * Waits for PostgreSQL to accept a connection before Nest starts, for at most
 * `timeoutMs` (DB_CONNECT_TIMEOUT_MS): a database still starting (compose) is
 * waited for, and one that never answers stops start-up naming DATABASE_URL.
 * Without this, @nestjs/typeorm retried ten times with every line buffered,
 * so a bad URL was silent for ~25 s, and for ~20 min against a host that drops
 * packets. A refusal no wait can mend (a wrong password, a missing database)
 * stops at once. Logs and messages carry host, port and database, never the
 * password.
 */
export async function waitForPostgres(url: string, timeoutMs: number, log: Logger): Promise<void> {
  const where = describe(url);
  const deadline = Date.now() + timeoutMs;
  log.info({ ...where.fields, timeoutMs }, 'connecting to PostgreSQL');
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, deadline - Date.now())) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      const reason = (err as { code?: string }).code ?? (err as Error).message;
      if (!isDatabaseUnavailable(err)) {
        throw new StartupError(`Invalid configuration:\n  DATABASE_URL: PostgreSQL at ${where.text} refused the connection: ${(err as Error).message}`);
      }
      if (Date.now() + RETRY_DELAY_MS >= deadline) {
        throw new StartupError(`Cannot start: DATABASE_URL: PostgreSQL at ${where.text} not reachable within DB_CONNECT_TIMEOUT_MS=${timeoutMs} (${reason})`);
      }
      log.warn({ ...where.fields, attempt, reason }, 'PostgreSQL not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    }
  }
}

function describe(url: string): { text: string; fields: Record<string, string> } {
  const u = new URL(url);
  const fields = { host: u.hostname, port: u.port || '5432', database: decodeURIComponent(u.pathname.replace(/^\//, '')) };
  return { text: `${fields.host}:${fields.port}/${fields.database}`, fields };
}
