import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

/**
 * Boots the real app (real migrations on a fresh temporary SQLite file unless
 * DB_TYPE says otherwise) and listens on an ephemeral port.
 */
export async function startTestApp(env: Record<string, string> = {}, logDestination?: NodeJS.WritableStream): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-test-'));
  // PORTCULLIS_TEST_POSTGRES_URL runs the same suites on PostgreSQL (a database the tests may fill).
  const pg = process.env.PORTCULLIS_TEST_POSTGRES_URL;
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', SQLITE_PATH: join(dir, 'test.sqlite'), LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    ...(pg ? { DB_TYPE: 'postgres', DATABASE_URL: pg } : {}),
    ...env,
  });
  const app = await createApp(config, logDestination);
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  return {
    app, config, baseUrl, wsUrl: baseUrl.replace(/^http/, 'ws'),
    http: () => request(baseUrl),
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A log destination for startTestApp that keeps everything written to it; `text()` is the log so far. */
export function logCapture(): { sink: PassThrough; text: () => string } {
  const sink = new PassThrough();
  let logs = '';
  sink.on('data', (d: Buffer) => { logs += d.toString(); });
  return { sink, text: () => logs };
}
