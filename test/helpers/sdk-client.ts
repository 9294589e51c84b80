import { INestApplication } from '@nestjs/common';
import WebSocket from 'ws';
import { ClientEvents, ClientOptions, ClientState, PortcullisClient, StateChange, WebSocketConstructor } from '@portcullis/client';
import { createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { TestApp } from './test-app';

/** A `ws` constructor that counts the sockets it opens, so a test can prove none was opened. */
export function countingWebSocket(): { WebSocket: WebSocketConstructor; opened: () => number } {
  let opened = 0;
  class Counting extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      opened++;
    }
  }
  return { WebSocket: Counting as unknown as WebSocketConstructor, opened: () => opened };
}

/** The SDK client against a test app, recording every state change. */
export function sdkClient(t: Pick<TestApp, 'wsUrl'>, path: string, options: Omit<ClientOptions, 'url'>): { client: PortcullisClient; states: StateChange[] } {
  const client = new PortcullisClient({ WebSocket: WebSocket as unknown as WebSocketConstructor, backoff: { initialMs: 100, maxMs: 1000 }, ...options, url: `${t.wsUrl}${path}` });
  const states: StateChange[] = [];
  client.on('state', (s) => states.push(s));
  return { client, states };
}

/** Resolves at the next `state` event into `state` (or at once if the client is there already). */
export function reach(client: PortcullisClient, state: ClientState, ms = 10_000): Promise<StateChange | undefined> {
  if (client.state === state) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`client did not reach ${state} within ${ms} ms (it is ${client.state})`)); }, ms);
    const off = client.on('state', (s) => {
      if (s.state !== state) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

/** Resolves with the `n`-th matching state change counted from now. */
export function nthState(client: PortcullisClient, match: (s: StateChange) => boolean, n = 1, ms = 10_000): Promise<StateChange> {
  return nthEvent(client, 'state', n, match, ms);
}

/** Resolves with the `n`-th `event` (that `match` accepts) counted from now. */
export function nthEvent<K extends keyof ClientEvents>(
  client: PortcullisClient, event: K, n = 1, match: (value: ClientEvents[K]) => boolean = () => true, ms = 10_000,
): Promise<ClientEvents[K]> {
  let seen = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no ${event} #${n} matching within ${ms} ms (${seen} did; state ${client.state})`)); }, ms);
    const off = client.on(event, (value) => {
      if (!match(value) || ++seen < n) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}

/** portcullis_ws_auth_attempts_total for one method and result. */
export async function authAttempts(t: TestApp, method: string, result = 'ok'): Promise<number> {
  const text = (await t.http().get('/metrics')).text;
  const m = new RegExp(`portcullis_ws_auth_attempts_total\\{method="${method}",result="${result}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

/** POST /v1/auth/refresh as an app's refreshToken would: the new access token, null when refused. */
export function restRefresher(t: TestApp, initialRefreshToken: string): { refresh: () => Promise<string | null>; calls: () => number } {
  let refreshToken = initialRefreshToken;
  let calls = 0;
  return {
    calls: () => calls,
    refresh: async () => {
      calls++;
      const res = await t.http().post('/v1/auth/refresh').send({ refreshToken });
      if (res.status !== 200) return null;
      refreshToken = res.body.refreshToken;
      return res.body.accessToken as string;
    },
  };
}

/** An app on a given port and SQLite file, for restarting "the same server" in place. */
export async function startAppAt(env: Record<string, string>, port: number): Promise<INestApplication> {
  // As startTestApp: the PostgreSQL pass runs this on PostgreSQL (the database outlives the restart either way).
  const pg = process.env.PORTCULLIS_TEST_POSTGRES_URL;
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test', LOG_LEVEL: 'silent', LOGIN_RATE_LIMIT_PER_MINUTE: '1000', ...(pg ? { DB_TYPE: 'postgres', DATABASE_URL: pg } : {}), ...env,
  });
  const app = await createApp(config);
  await app.listen(port, '127.0.0.1');
  return app;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
