import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { AppConfigModule } from './config/config.module';
import { createApp } from './app.factory';
import { StartupError } from './common/errors/startup-error';
import { listenFailure } from './common/net/listen-error';
import { prepareSqlitePath } from './database/sqlite-path';
import { waitForPostgres } from './database/postgres-preflight';
import { wsMasking } from './realtime/ws-masking';
import { pino } from 'pino';

async function main(): Promise<void> {
  const config = await AppConfigModule.loadFromEnvironment();
  // Before Nest: a failure inside its module factory would come out as its stack trace, not our one message.
  if (config.database.type === 'sqlite') prepareSqlitePath(config.database.sqlitePath);
  // The app's logger does not exist yet, and Nest buffers its lines until it does: these go straight to stdout.
  else await waitForPostgres(config.database.url!, config.database.connectTimeoutMs, pino({ level: config.app.logLevel }).child({ context: 'Database' }));
  const app = await createApp(config);
  const logger = new Logger('Portcullis');
  await app.listen(config.app.port, config.app.host).catch((err: unknown) => {
    throw listenFailure(err, config.app.host, config.app.port) ?? err;
  });
  const address = app.getHttpServer().address();
  const masking = wsMasking();
  logger.log({ address, env: config.app.env, db: config.database.type, redis: Boolean(config.redis.url), wsMasking: masking }, 'listening');
  if (masking !== 'native') logger.warn('bufferutil did not load: ws unmasks client frames in JavaScript, several times slower (docs/deployment.md)');
  // Nest's own shutdown hooks re-raise the signal after closing (exit 143); we
  // close sockets with 1001, flush, and exit 0 ourselves, bounded in time.
  let stopping = false;
  const stop = (signal: string) => {
    // A repeat is expected, not an order to die: a process-group SIGTERM (systemd, `docker stop`,
    // `kill -TERM -<pgid>`) reaches npm and node alike, and npm forwards its own copy. The
    // handler stays installed (process.on, not once) so a repeat cannot fall through to the
    // default action and kill the shutdown half-way; SHUTDOWN_TIMEOUT_MS still bounds it.
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.log({ signal }, 'shutdown started');
    const force = setTimeout(() => {
      process.stderr.write(`shutdown after ${signal} took longer than SHUTDOWN_TIMEOUT_MS; exiting\n`);
      process.exit(1);
    }, config.app.shutdownTimeoutMs).unref();
    app.close().then(() => {
      clearTimeout(force);
      logger.log({ signal, durationMs: Date.now() - started }, 'shutdown finished');
      process.exit(0);
    }, (err) => {
      process.stderr.write(`shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  // A bad setting (ConfigValidationError is one): its message names the variable, and is all the operator needs.
  if (err instanceof StartupError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Portcullis failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
