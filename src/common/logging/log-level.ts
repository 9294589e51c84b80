import type { Level, Logger } from 'pino';

let root: Logger | undefined;

/** The service's logger (createLogging sets it); its level decides what `logEnabled` answers. */
export function setLogRoot(logger: Logger): void {
  root = logger;
}

/**
 * Whether a line at `level` would be written. Lines logged once per socket
 * (connect, close) check first, so that at LOG_LEVEL=warn they cost nothing:
 * a Nest Logger call builds its fields and copies them through nestjs-pino
 * before pino drops them. Outside an app (a unit test), everything is on.
 */
export function logEnabled(level: Level): boolean {
  return root?.isLevelEnabled(level) ?? true;
}
