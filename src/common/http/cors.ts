import type { CorsOptions, CustomOrigin } from '@nestjs/common/interfaces/external/cors-options.interface';
import { isWebOrigin, normalizeOrigin } from './origin-list';

/**
 * The REST API's CORS answer. Bearer tokens travel in a header, never a cookie,
 * so credentials stay off and `*` is safe to offer; Authorization still has to
 * be listed by name (a `*` in Allow-Headers never covers it).
 */
export function corsOptions(origins: string[]): CorsOptions {
  return {
    origin: origins.includes('*') ? '*' : listedOrigin(origins),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}

/**
 * Echoes a listed Origin. Unlisted, cors gets an empty list rather than false:
 * false skips CORS entirely, and a preflight would 404 instead of ending 204
 * without Allow-Origin, as it always has.
 */
function listedOrigin(origins: string[]): CustomOrigin {
  return (origin, callback) => callback(null, (origin !== undefined && isListed(origins, origin)) || []);
}

/**
 * A web origin is matched as sent, as it always was: a browser serialises it
 * exactly as parseOriginList does. An app's origin is normalised first, like
 * its entry and like the WebSocket check (isOriginAllowed).
 */
function isListed(origins: string[], origin: string): boolean {
  if (origins.includes(origin)) return true;
  const normalized = normalizeOrigin(origin);
  return normalized !== undefined && !isWebOrigin(normalized) && origins.includes(normalized);
}
