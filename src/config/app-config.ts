import { AUTH_METHODS, AuthMethod, DEFAULT_WS_MAX_CONNECTIONS, EnvironmentVariables, validateEnvironment } from './env.validation';
import { parseDurationSeconds } from '../common/util/duration';
import { ClientAddressPolicy, compileTrustProxy } from '../common/net/client-address';
import { parseOriginList } from '../common/http/origin-list';

/**
 * The validated settings, grouped by concern. Built once at boot; every module
 * reads its own namespace from here instead of touching process.env.
 */
export class AppConfig {
  readonly app: { env: EnvironmentVariables['NODE_ENV']; port: number; host: string; logLevel: string; shutdownTimeoutMs: number; registrationOpen: boolean; adminEmail?: string; adminPassword?: string; metricsToken?: string; loginPerIpPerMinute: number; loginAccountFailuresPerMinute: number };
  readonly auth: { secret: string; publicKey?: string; privateKey?: string; issuer: string; audience: string; leewayS: number; accessTtlS: number; refreshTtlS: number; ticketTtlS: number; refreshReuseGraceS: number };
  readonly ws: { tokenHeader: string; authTimeoutMs: number; authMethods: ReadonlySet<AuthMethod>; allowQueryToken: boolean; allowedOrigins: string[]; requireOrigin: boolean; reauthLeadMs: number; heartbeatMs: number; maxProtocolErrors: number; maxPayloadBytes: number; maxBufferedBytes: number; maxConnections: number; maxConnectionsSet: boolean; maxConnectionsPerUser: number; maxUnauthenticated: number; authFailuresPerMinute: number; serviceToken?: string; reflectionChunkDelayMs: number };
  readonly database: { type: 'sqlite' | 'postgres'; sqlitePath: string; sqliteSynchronous: 'full' | 'normal'; url?: string; connectTimeoutMs: number };
  readonly redis: { url?: string; keyPrefix: string };
  /** The /demo page (src/demo): on unless production, or as DEMO_ENABLED says. */
  readonly demo: { enabled: boolean };
  /** Behind proxies and for browsers on other origins. */
  readonly http: { clientAddress: ClientAddressPolicy; corsOrigins: string[]; requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number };
  readonly retention: { auditDays: number; graceDays: number; intervalMs: number; batchSize: number };
  readonly revocation: { pollMs: number; recheckMs: number };

  constructor(env: EnvironmentVariables) {
    this.app = {
      env: env.NODE_ENV, port: env.PORT, host: env.HOST, logLevel: env.LOG_LEVEL, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      registrationOpen: env.REGISTRATION_OPEN, adminEmail: env.ADMIN_EMAIL, adminPassword: env.ADMIN_PASSWORD,
      metricsToken: env.METRICS_TOKEN, loginPerIpPerMinute: env.LOGIN_RATE_LIMIT_PER_MINUTE,
      loginAccountFailuresPerMinute: env.LOGIN_ACCOUNT_FAILURES_PER_MINUTE,
    };
    this.auth = {
      secret: env.JWT_SECRET, publicKey: env.JWT_PUBLIC_KEY, privateKey: env.JWT_PRIVATE_KEY, issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE, leewayS: env.JWT_LEEWAY_S, accessTtlS: parseDurationSeconds(env.JWT_ACCESS_TTL)!,
      refreshTtlS: parseDurationSeconds(env.JWT_REFRESH_TTL)!, ticketTtlS: env.WS_TICKET_TTL_S, refreshReuseGraceS: env.REFRESH_REUSE_GRACE_S,
    };
    const methods = env.WS_AUTH_METHODS.split(',').map((m) => m.trim()).filter(Boolean) as AuthMethod[];
    this.ws = {
      tokenHeader: env.WS_TOKEN_HEADER.toLowerCase(), authTimeoutMs: env.WS_AUTH_TIMEOUT_MS,
      authMethods: new Set(methods.filter((m) => (AUTH_METHODS as readonly string[]).includes(m))),
      allowQueryToken: env.WS_ALLOW_QUERY_TOKEN,
      allowedOrigins: parseOriginList(env.WS_ALLOWED_ORIGINS),
      requireOrigin: env.WS_REQUIRE_ORIGIN, reauthLeadMs: env.WS_REAUTH_LEAD_MS, heartbeatMs: env.WS_HEARTBEAT_MS,
      maxProtocolErrors: env.WS_MAX_PROTOCOL_ERRORS, maxPayloadBytes: env.WS_MAX_PAYLOAD_BYTES,
      maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
      maxConnections: env.WS_MAX_CONNECTIONS ?? DEFAULT_WS_MAX_CONNECTIONS, maxConnectionsSet: env.WS_MAX_CONNECTIONS !== undefined,
      maxConnectionsPerUser: env.WS_MAX_CONNECTIONS_PER_USER, maxUnauthenticated: env.WS_MAX_UNAUTHENTICATED,
      authFailuresPerMinute: env.WS_AUTH_FAILURES_PER_MINUTE, serviceToken: env.WS_SERVICE_TOKEN,
      reflectionChunkDelayMs: env.REFLECTION_CHUNK_DELAY_MS,
    };
    this.database = { type: env.DB_TYPE, sqlitePath: env.SQLITE_PATH, sqliteSynchronous: env.SQLITE_SYNCHRONOUS, url: env.DATABASE_URL, connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS };
    this.redis = { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX };
    this.demo = { enabled: env.DEMO_ENABLED ?? env.NODE_ENV !== 'production' };
    this.http = {
      clientAddress: { trust: compileTrustProxy(env.TRUST_PROXY), header: env.TRUST_PROXY_HEADER },
      corsOrigins: parseOriginList(env.CORS_ORIGINS),
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS, headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS, keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    };
    this.retention = {
      auditDays: env.AUDIT_RETENTION_DAYS, graceDays: env.RETENTION_GRACE_DAYS,
      intervalMs: env.RETENTION_INTERVAL_MS, batchSize: env.RETENTION_BATCH_SIZE,
    };
    this.revocation = { pollMs: env.REVOCATION_POLL_MS, recheckMs: env.REVOCATION_RECHECK_MS };
  }

  static fromEnvironment(raw: Record<string, string | undefined> = process.env): AppConfig {
    return new AppConfig(validateEnvironment(raw));
  }
}
