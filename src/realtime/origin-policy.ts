import { AppConfig } from '../config/app-config';

/**
 * Browser Origin check at the upgrade. Exact match of scheme://host[:port]
 * against WS_ALLOWED_ORIGINS (`*` allows any). With no list configured, only
 * the service's own origin is allowed: the request's scheme (https on TLS, or
 * as a trusted proxy says), Host and port. A missing Origin is a non-browser
 * client: allowed unless WS_REQUIRE_ORIGIN.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, ws: AppConfig['ws'], scheme: 'http' | 'https' = 'http'): boolean {
  if (origin === undefined || origin === '') return !ws.requireOrigin;
  const normalized = normalizeOrigin(origin);
  if (!normalized) return false;
  if (ws.allowedOrigins.includes('*')) return true;
  if (ws.allowedOrigins.length === 0) return host !== undefined && normalized === normalizeOrigin(`${scheme}://${host}`);
  // The list was normalised the same way when the config was validated (parseOriginList).
  return ws.allowedOrigins.includes(normalized);
}

function normalizeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.origin.toLowerCase();
  } catch {
    return undefined;
  }
}
