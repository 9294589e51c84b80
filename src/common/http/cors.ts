import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

/**
 * CORS_ORIGINS: a comma list of exact origins (scheme://host[:port]) or `*`.
 * Each entry is normalised as a browser serialises `Origin` (lower case, no
 * default port, no trailing slash), so matching is a plain string comparison.
 */
export function parseCorsOrigins(value: string): string[] {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  return entries.map((entry) => {
    if (entry === '*') return entry;
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new Error(`"${entry}" is not an origin such as https://app.example.com`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username) {
      throw new Error(`"${entry}" is not an origin such as https://app.example.com (scheme, host and port only)`);
    }
    return url.origin.toLowerCase();
  });
}

/**
 * The REST API's CORS answer. Bearer tokens travel in a header, never a cookie,
 * so credentials stay off and `*` is safe to offer; Authorization still has to
 * be listed by name (a `*` in Allow-Headers never covers it).
 */
export function corsOptions(origins: string[]): CorsOptions {
  return {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    credentials: false,
    maxAge: 600,
    optionsSuccessStatus: 204,
  };
}
