import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from '../app.module';
import { AuditService } from '../audit/audit.service';
import { TokenService } from '../auth/token.service';
import { parseDurationSeconds } from '../common/util/duration';
import { AppConfigModule } from '../config/config.module';
import { ConfigValidationError } from '../config/env.validation';
import { SessionsService } from '../sessions/sessions.service';
import { UsersService } from '../users/users.service';

const USAGE = 'usage: npm run token -- --email <email> [--ttl 15m]';

/** A user-facing failure: message to stderr, exit 1, no stack. */
class CliError extends Error {}

/**
 * Prints a signed access token for local testing, and nothing else on stdout,
 * so `TOKEN=$(npm run -s token -- --email me@example.com)` works. The token
 * belongs to a real new session, so logout and admin revocation apply to it.
 */
async function main(argv: string[]): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { email: { type: 'string' }, ttl: { type: 'string' } }, strict: true });
  if (!values.email) throw new CliError(USAGE);
  const ttlS = values.ttl === undefined ? undefined : parseDurationSeconds(values.ttl);
  if (values.ttl !== undefined && !ttlS) throw new CliError(`--ttl must be a duration such as 900, 30s, 15m, 12h or 7d (got "${values.ttl}")`);

  const config = await AppConfigModule.loadFromEnvironment();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false, abortOnError: false });
  try {
    const user = await app.get(UsersService).findByEmail(values.email);
    if (!user) throw new CliError(`No user with email ${values.email}`);
    if (!user.active) throw new CliError(`User ${values.email} is inactive`);
    const { session } = await app.get(SessionsService).open(user.id, { userAgent: 'portcullis-cli' });
    const { token } = app.get(TokenService).signAccess({ sub: user.id, sid: session.id, role: user.role }, ttlS);
    await app.get(AuditService).record('cli_token', { userId: user.id, sessionId: session.id, detail: { ttlS: ttlS ?? config.auth.accessTtlS } });
    return token;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (token) => { process.stdout.write(`${token}\n`); },
  (err: unknown) => {
    const known = err instanceof CliError || err instanceof ConfigValidationError || (err as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${known ? (err as Error).message : `token: ${err instanceof Error ? err.stack : String(err)}`}\n`);
    process.exitCode = 1;
  },
);
