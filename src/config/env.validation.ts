import { plainToInstance, Transform } from 'class-transformer';
import { compileTrustProxy, PROXY_HEADERS, ProxyHeader } from '../common/net/client-address';
import { parseOriginList } from '../common/http/origin-list';
import { JwtKeyError, parseJwtKeyPair } from './jwt-keys';
import { StartupError } from '../common/errors/startup-error';
import {
  getMetadataStorage, IsBoolean, IsEmail, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync,
} from 'class-validator';

const DURATION = /^\s*\d+\s*[smhd]?\s*$/;
const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase()) ? true
    : ['false', '0', 'no', 'off', ''].includes(value.trim().toLowerCase()) ? false : value : value;
export const DEFAULT_WS_MAX_CONNECTIONS = 20000;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toPem = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.length > 0 ? value.replace(/\\n/g, '\n') : undefined;

/** The development secret a fresh clone runs with; refused when NODE_ENV=production. */
export const PLACEHOLDER_JWT_SECRET = 'portcullis-development-secret-change-me-0000';
export const AUTH_METHODS = ['header', 'subprotocol', 'ticket', 'query', 'message'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/**
 * Every setting, with its default. `.env.example` lists the same names; a value
 * that fails here stops start-up with a message naming the variable.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test']) NODE_ENV: 'development' | 'production' | 'test' = 'development';
  @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT = 3000;
  @IsString() HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @Transform(toInt) @IsInt() @Min(100) HTTP_REQUEST_TIMEOUT_MS = 30000;
  @Transform(toInt) @IsInt() @Min(100) HTTP_HEADERS_TIMEOUT_MS = 10000;
  @Transform(toInt) @IsInt() @Min(0) HTTP_KEEP_ALIVE_TIMEOUT_MS = 5000;

  @IsIn(['sqlite', 'postgres']) DB_TYPE: 'sqlite' | 'postgres' = 'sqlite';
  @IsString() @MinLength(1) SQLITE_PATH = 'data/portcullis.sqlite';
  @IsIn(['full', 'normal']) SQLITE_SYNCHRONOUS: 'full' | 'normal' = 'full';
  @IsOptional() @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' }) DATABASE_URL?: string;
  @Transform(toInt) @IsInt() @Min(1000) DB_CONNECT_TIMEOUT_MS = 30000;
  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' }) REDIS_URL?: string;
  @Matches(/^[\w.:-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 letters, digits, ".", ":", "_" or "-"' }) REDIS_KEY_PREFIX = 'portcullis:';
  @Transform(toInt) @IsInt() @Min(100) @Max(4000) REVOCATION_POLL_MS = 2000;
  @Transform(toInt) @IsInt() @Min(1000) REVOCATION_RECHECK_MS = 60000;

  @IsString() @MinLength(32, { message: 'JWT_SECRET must be at least 32 bytes' }) JWT_SECRET = PLACEHOLDER_JWT_SECRET;
  @IsOptional() @Transform(toPem) @IsString() JWT_PUBLIC_KEY?: string;
  @IsOptional() @Transform(toPem) @IsString() JWT_PRIVATE_KEY?: string;
  @IsString() @MinLength(1) JWT_ISSUER = 'portcullis';
  @IsString() @MinLength(1) JWT_AUDIENCE = 'portcullis-clients';
  @Transform(toInt) @IsInt() @Min(0) @Max(300) JWT_LEEWAY_S = 5;
  @Matches(DURATION, { message: 'JWT_ACCESS_TTL must be a duration such as 900, 30s, 15m, 12h or 7d' }) JWT_ACCESS_TTL = '15m';
  @Matches(DURATION, { message: 'JWT_REFRESH_TTL must be a duration such as 3600, 12h or 7d' }) JWT_REFRESH_TTL = '7d';
  @Transform(toInt) @IsInt() @Min(0) @Max(300) REFRESH_REUSE_GRACE_S = 0;
  @Transform(toInt) @IsInt() @Min(1) @Max(30) WS_TICKET_TTL_S = 30;

  @Transform(toBool) @IsBoolean() REGISTRATION_OPEN = true;
  @IsOptional() @IsEmail() ADMIN_EMAIL?: string;
  @IsOptional() @IsString() @MinLength(8, { message: 'ADMIN_PASSWORD must be at least 8 characters' }) ADMIN_PASSWORD?: string;
  @Transform(toInt) @IsInt() @Min(1) LOGIN_RATE_LIMIT_PER_MINUTE = 30;
  @Transform(toInt) @IsInt() @Min(1) LOGIN_ACCOUNT_FAILURES_PER_MINUTE = 10;
  @IsOptional() @IsString() @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' }) METRICS_TOKEN?: string;
  /** Unset: on outside production. */
  @IsOptional() @Transform(toBool) @IsBoolean() DEMO_ENABLED?: boolean;

  @Matches(/^[a-z0-9-]+$/i, { message: 'WS_TOKEN_HEADER must be an HTTP header name' }) WS_TOKEN_HEADER = 'x-portcullis-token';
  @Transform(toInt) @IsInt() @Min(100) WS_AUTH_TIMEOUT_MS = 5000;
  @Matches(/^\s*(header|subprotocol|ticket|query|message)(\s*,\s*(header|subprotocol|ticket|query|message))*\s*$/, {
    message: `WS_AUTH_METHODS must be a comma list of ${AUTH_METHODS.join(', ')}`,
  })
  WS_AUTH_METHODS = AUTH_METHODS.join(',');
  @Transform(toBool) @IsBoolean() WS_ALLOW_QUERY_TOKEN = true;
  /** Checked in crossFieldProblems, with CORS_ORIGINS's rules (parseOriginList). */
  @IsString() WS_ALLOWED_ORIGINS = '';
  @Transform(toBool) @IsBoolean() WS_REQUIRE_ORIGIN = false;
  @Transform(toInt) @IsInt() @Min(0) WS_REAUTH_LEAD_MS = 60000;
  @Transform(toInt) @IsInt() @Min(0) WS_HEARTBEAT_MS = 30000;
  @Transform(toInt) @IsInt() @Min(1) WS_MAX_PROTOCOL_ERRORS = 10;
  @Transform(toInt) @IsInt() @Min(256) WS_MAX_PAYLOAD_BYTES = 65536;
  @Transform(toInt) @IsInt() @Min(1024) WS_MAX_BUFFERED_BYTES = 1048576;
  /** Unset: DEFAULT_WS_MAX_CONNECTIONS, or fewer where the open-files limit allows fewer (socketLimit). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) WS_MAX_CONNECTIONS?: number;
  @Transform(toInt) @IsInt() @Min(1) WS_MAX_CONNECTIONS_PER_USER = 50;
  @Transform(toInt) @IsInt() @Min(1) WS_MAX_UNAUTHENTICATED = 2000;
  @Transform(toInt) @IsInt() @Min(1) WS_AUTH_FAILURES_PER_MINUTE = 20;
  @IsOptional() @IsString() @MinLength(32, { message: 'WS_SERVICE_TOKEN must be at least 32 characters' }) WS_SERVICE_TOKEN?: string;
  @Transform(toInt) @IsInt() @Min(0) REFLECTION_CHUNK_DELAY_MS = 40;
  @Transform(toInt) @IsInt() @Min(100) SHUTDOWN_TIMEOUT_MS = 10000;

  /** Checked in crossFieldProblems, so the message can say what is wrong with which entry. */
  @IsString() TRUST_PROXY = '';
  @IsIn(PROXY_HEADERS) TRUST_PROXY_HEADER: ProxyHeader = 'x-forwarded-for';
  @IsString() CORS_ORIGINS = '';

  @Transform(toInt) @IsInt() @Min(1) AUDIT_RETENTION_DAYS = 90;
  @Transform(toInt) @IsInt() @Min(0) RETENTION_GRACE_DAYS = 7;
  @Transform(toInt) @IsInt() @Min(0) RETENTION_INTERVAL_MS = 3_600_000;
  @Transform(toInt) @IsInt() @Min(1) @Max(10_000) RETENTION_BATCH_SIZE = 1000;
}

/** Every bad variable at once; main.ts prints it as a StartupError. */
export class ConfigValidationError extends StartupError {}

/** The names of every setting, read from the validation metadata so the list is never written twice. */
export function settingNames(): string[] {
  const metas = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return [...new Set(metas.map((m) => m.propertyName))];
}

/** Validates raw env into a typed object; throws naming every bad variable. */
export function validateEnvironment(raw: Record<string, string | undefined>): EnvironmentVariables {
  const picked: Record<string, string> = {};
  for (const key of settingNames()) if (raw[key] !== undefined) picked[key] = raw[key] as string;
  const env = plainToInstance(EnvironmentVariables, picked);
  const problems = validateSync(env).map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
  problems.push(...crossFieldProblems(env));
  if (problems.length) throw new ConfigValidationError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return env;
}

function crossFieldProblems(env: EnvironmentVariables): string[] {
  const out: string[] = [];
  if (env.DB_TYPE === 'postgres' && !env.DATABASE_URL) out.push('DATABASE_URL: required when DB_TYPE=postgres');
  if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) out.push('ADMIN_PASSWORD: ADMIN_EMAIL and ADMIN_PASSWORD go together');
  // Node refuses a headers timeout longer than the whole-request one.
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) out.push('HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS');
  if (env.JWT_PRIVATE_KEY && !env.JWT_PUBLIC_KEY) out.push('JWT_PUBLIC_KEY: required with JWT_PRIVATE_KEY');
  if (env.JWT_PUBLIC_KEY) {
    try {
      parseJwtKeyPair(env.JWT_PUBLIC_KEY, env.JWT_PRIVATE_KEY);
    } catch (err) {
      if (!(err instanceof JwtKeyError)) throw err;
      out.push(`${err.variable}: ${err.message}`);
    }
  }
  const checks = [
    ['TRUST_PROXY', () => compileTrustProxy(env.TRUST_PROXY)],
    ['CORS_ORIGINS', () => parseOriginList(env.CORS_ORIGINS)],
    ['WS_ALLOWED_ORIGINS', () => parseOriginList(env.WS_ALLOWED_ORIGINS)],
  ] as const;
  for (const [name, check] of checks) {
    try { check(); } catch (err) { out.push(`${name}: ${(err as Error).message}`); }
  }
  if (env.NODE_ENV === 'production') {
    if (!env.JWT_PUBLIC_KEY && env.JWT_SECRET === PLACEHOLDER_JWT_SECRET) out.push('JWT_SECRET: the development placeholder is refused in production');
    if (env.ADMIN_PASSWORD && /^(changeme|change-me|password|admin)/i.test(env.ADMIN_PASSWORD)) out.push('ADMIN_PASSWORD: a placeholder password is refused in production');
  }
  return out;
}
