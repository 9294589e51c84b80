import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../../config/app-config';
import { requestIdFor } from '../http/request-context';

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

/** `destination` lets tests read what would be logged; production writes to stdout. */
export function loggerOptions(config: AppConfig, destination?: NodeJS.WritableStream): Params {
  const tokenHeader = config.ws.tokenHeader;
  const options = {
    level: config.app.logLevel,
    redact: { paths: [...REDACT_PATHS, `req.headers["${tokenHeader}"]`], censor: '[REDACTED]' },
    serializers: {
      // remoteAddress is the client address (TRUST_PROXY applied), as the limits and the audit log see it.
      req: (req: { id: unknown; method: string; url: string; headers: Record<string, unknown>; remoteAddress?: string; raw?: { ip?: string } }) => ({
        id: req.id, method: req.method, url: redactUrl(req.url), headers: req.headers, remoteAddress: req.raw?.ip ?? req.remoteAddress,
      }),
    },
    // The id requestContext chose (the caller's X-Request-Id or a random one), not pino-http's per-process counter.
    genReqId: (req: IncomingMessage) => requestIdFor(req),
    autoLogging: { ignore: (req: { url?: string }) => req.url === '/health' || req.url === '/metrics' },
  };
  return { pinoHttp: destination ? [options as object, destination] as Params['pinoHttp'] : options };
}
