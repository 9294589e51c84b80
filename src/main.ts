import 'reflect-metadata';
import { AppConfigModule } from './config/config.module';
import { ConfigValidationError } from './config/env.validation';
import { createApp } from './app.factory';

async function main(): Promise<void> {
  let config;
  try {
    config = await AppConfigModule.loadFromEnvironment();
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  // Nest's shutdown hooks do the closing; this only bounds how long it may take.
  const shutdownTimeoutMs = config.app.shutdownTimeoutMs;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => {
      process.stderr.write(`Portcullis did not shut down within ${shutdownTimeoutMs} ms; exiting\n`);
      process.exit(1);
    }, shutdownTimeoutMs).unref());
  }
  await app.listen(config.app.port, config.app.host);
}

main().catch((err) => {
  process.stderr.write(`Portcullis failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
