import { isWebOrigin, normalizeOrigin } from '../common/http/origin-list';
import { AppConfig } from '../config/app-config';

/**
 * Browser Origin check at the upgrade. Exact match of scheme://host[:port]
 * against WS_ALLOWED_ORIGINS, both sides normalised alike (normalizeOrigin,
 * parseOriginList). `*` allows any web (http or https) origin; an app's origin
 * such as `capacitor://localhost` only when listed by name, `*` or not, and
 * `null` never. With no list configured, only the service's own origin is
 * allowed: the request's scheme (https on TLS, or as a trusted proxy says),
 * Host and port. A missing Origin is a non-browser client: allowed unless
 * WS_REQUIRE_ORIGIN.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, ws: AppConfig['ws'], scheme: 'http' | 'https' = 'http'): boolean {
  if (origin === undefined || origin === '') return !ws.requireOrigin;
  const normalized = normalizeOrigin(origin);
  if (!normalized) return false;
  // `*` keeps the meaning it had before app schemes could be listed, any web page: an app's origin is allowed
  // only by name, beside `*` if need be (`*,capacitor://localhost`), so no deployment widens by upgrading.
  if (ws.allowedOrigins.includes('*') && isWebOrigin(normalized)) return true;
  if (ws.allowedOrigins.length === 0) return host !== undefined && normalized === normalizeOrigin(`${scheme}://${host}`);
  // The list was normalised the same way when the config was validated (parseOriginList).
  return ws.allowedOrigins.includes(normalized);
}
