import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';

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
