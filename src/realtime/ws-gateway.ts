import { ClientFrame } from './frame-validation';
import { Connection } from './connection';

/**
 * One endpoint. The server owns the upgrade, the credential, the envelope and
 * every close; a gateway only checks ownership and moves data.
 */
export interface WsGateway {
  /** Path pattern, e.g. `/ws/conversations/:conversationId`. */
  readonly path: string;
  /** Which credential the endpoint takes: a user's token or a service key. */
  readonly credential: 'user' | 'service';
  /** Ownership checks; throws a DomainError (mapped to 4002/4003/4004). Runs after `ready`, before any data. */
  authorize(conn: Connection): Promise<void>;
  /** Starts the stream once authorized (not awaited in the frame queue). */
  start?(conn: Connection): Promise<void> | void;
  /** A validated frame other than auth and ping. */
  handleFrame(conn: Connection, frame: ClientFrame): Promise<void> | void;
  /**
   * Frames whose handling may overlap the frames behind them (see
   * Connection.overlap): handleFrame must then queue its work synchronously,
   * before its first await, and answer in that queue's order.
   */
  overlaps?(frame: ClientFrame): boolean;
  handleBinary?(conn: Connection, data: Buffer): Promise<void> | void;
  onClose?(conn: Connection): void;
}

export interface CompiledRoute {
  gateway: WsGateway;
  match: (pathname: string) => Record<string, string> | undefined;
}

export function compileRoute(gateway: WsGateway): CompiledRoute {
  const names: string[] = [];
  const pattern = gateway.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const re = new RegExp(`^${pattern}/?$`);
  return {
    gateway,
    match: (pathname) => {
      const m = re.exec(pathname);
      if (!m) return undefined;
      try {
        return Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      } catch {
        return undefined;
      }
    },
  };
}
