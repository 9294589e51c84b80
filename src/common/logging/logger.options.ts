import type { Params } from 'nestjs-pino';
import { pino } from 'pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../../config/app-config';
import { requestIdFor } from '../http/request-context';
import { setLogRoot } from './log-level';

/** Query parameters whose values are credentials. */
const SECRET_QUERY = /([?&](?:token|ticket|access_token|refresh_token|api_key|key)=)[^&#]*/gi;

export const redactUrl = (url: string | undefined): string | undefined => url?.replace(SECRET_QUERY, '$1[REDACTED]');

/**
 * Redaction is configured here once, not at each call site: credentials in
 * headers, bodies and URLs never reach a log line.
 */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["sec-websocket-protocol"]', 'req.headers["x-portcullis-token"]',
  'req.headers["x-api-key"]', 'res.headers["set-cookie"]',
  '*.password', '*.accessToken', '*.refreshToken', '*.token', '*.ticket', '*.secret', '*.apiKey',
  'password', 'accessToken', 'refreshToken', 'token', 'ticket', 'secret',
];

/** The level of the request lines (pino-http's one level for every request, failed ones included). */
export const ACCESS_LOG_LEVEL = 'info';

/** The pino-http request-logging middleware, or null when the level writes no request line (configureApp mounts it after requestContext). */
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/**
 * The service's one pino logger and the pino-http middleware that logs each
 * request on it. nestjs-pino's Logger (what `new Logger(ctx)` writes through)
 * is given this logger; its own request middleware is not used: it binds a
 * per-request logger with AsyncLocalStorage, and that turns on promise hooks
 * for the whole process, which every promise then pays, on every socket too
 * (~10% of server CPU per WebSocket connect, measured). Request lines still
 * carry the request id; a service's own lines carry their context instead.
 * `destination` lets tests read what would be logged; production writes to stdout.
 */
export function createLogging(config: AppConfig, destination?: NodeJS.WritableStream): { params: Params; http: HttpLogger | null } {
  const tokenHeader = config.ws.tokenHeader;
  const options = { level: config.app.logLevel, redact: { paths: [...REDACT_PATHS, `req.headers["${tokenHeader}"]`], censor: '[REDACTED]' } };
  const root = destination ? pino(options, destination) : pino(options);
  setLogRoot(root);
  // Request lines are written at ACCESS_LOG_LEVEL. Where the level is above it (LOG_LEVEL=warn), none would be
  // written, yet pino-http would still bind each request to a child logger (serializing and redacting its
  // headers) and listen for its end: no middleware then (docs/capacity.md §1, REST read).
  const http = root.isLevelEnabled(ACCESS_LOG_LEVEL) ? pinoHttp({
    logger: root,
    useLevel: ACCESS_LOG_LEVEL,
    serializers: {
      // remoteAddress is the client address (TRUST_PROXY applied), as the limits and the audit log see it.
      req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown>; remoteAddress?: string; raw?: { ip?: string } }) => ({
        id: req.id, method: req.method, url: redactUrl(req.url), headers: req.headers, remoteAddress: req.raw?.ip ?? req.remoteAddress,
      }),
    },
    // The id requestContext chose (the caller's X-Request-Id or a random one), not pino-http's per-process counter.
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
  }) : null;
  // nestjs-pino with a logger of ours and no routes: its Logger writes to `root`, its middleware runs nowhere.
  return { params: { pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }, http };
}
