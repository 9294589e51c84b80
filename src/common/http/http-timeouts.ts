import type { Server } from 'node:http';
import { AppConfig } from '../../config/app-config';

/**
 * Node's defaults let a client that trickles its headers or body hold a
 * connection (and its memory) for 300 s per request; we set every limit from
 * validated settings instead. Node checks the header and request deadlines on
 * a timer (30 s by default), so its period is tied to the shorter deadline to
 * keep the cut-off close to the setting. It is read when the server starts
 * listening: call this before listen().
 */
export function applyHttpTimeouts(server: Server, http: AppConfig['http']): void {
  server.requestTimeout = http.requestTimeoutMs;
  server.headersTimeout = http.headersTimeoutMs;
  server.keepAliveTimeout = http.keepAliveTimeoutMs;
  const shortest = Math.min(http.requestTimeoutMs, http.headersTimeoutMs);
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(1000, Math.max(100, Math.floor(shortest / 10)));
}
