import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { AppConfig } from '../config/app-config';
import { AuditService } from '../audit/audit.service';
import { DomainError, UnauthenticatedError } from '../common/errors/domain-errors';
import { WindowCounter } from '../common/util/window-counter';
import { clientAddress } from '../common/net/client-address';
import { CLOSE, CloseSpec, ERROR } from './close-codes';
import { clientMessage, closeFor } from './close-mapping';
import { Connection, ConnectionLifecycle } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { extractCredential, selectProtocol } from './credentials';
import { CLIENT_FRAME } from './frame-types';
import { parseClientFrame } from './frame-validation';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { isOriginAllowed } from './origin-policy';
import { RealtimeMetrics } from './realtime.metrics';
import { heartbeat, rejectUpgrade, waitClosed, withTimeout } from './socket-utils';
import { compileRoute, CompiledRoute, WsGateway } from './ws-gateway';

/** Frames a gateway lets overlap (chat messages) in flight per socket before the socket's frame queue waits. */
const OVERLAP_DEPTH = 16;

/**
 * Our WebSocket adapter: it owns the upgrade (origin, capacity), the credential
 * (handshake or first frame, verified before any frame is acted on), the frame
 * envelope and every close. The stock WsAdapter does none of this safely: it
 * drops bad frames silently, dispatches before async auth, and ends with 1006.
 */
@Injectable()
export class RealtimeServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Realtime');
  private readonly routes: CompiledRoute[] = [];
  private readonly lifecycle: ConnectionLifecycle[] = [];
  private readonly authFailures = new WindowCounter();
  private wss?: WebSocketServer;
  private heartbeat?: NodeJS.Timeout;
  private draining = false;
  /** Counts revocation events, so a connect can tell whether one raced its checks. */
  private revocations = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: ConnectionRegistry,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly metrics: RealtimeMetrics,
    private readonly audit: AuditService,
    private readonly http: HttpAdapterHost,
  ) {}

  register(gateway: WsGateway): void {
    this.routes.push(compileRoute(gateway));
  }

  addLifecycle(listener: ConnectionLifecycle): void {
    this.lifecycle.push(listener);
  }

  onApplicationBootstrap(): void {
    // An application context (the token CLI) has no HTTP server, hence no sockets.
    const server = this.http.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    const ws = this.config.ws;
    this.wss = new WebSocketServer({
      noServer: true,
      // Frames over the limit but under this hard cap get an `error` frame and 1009 from us. Past it ws refuses the
      // frame itself with a bare 1009 (it closes before any hook runs); the cap bounds what one frame may buffer.
      maxPayload: Math.max(ws.maxPayloadBytes * 16, 1 << 20),
      perMessageDeflate: false,
      clientTracking: false,
      handleProtocols: selectProtocol,
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    if (ws.heartbeatMs > 0) this.heartbeat = setInterval(() => heartbeat(this.registry.values()), ws.heartbeatMs).unref();
  }

  /** SIGTERM: refuse new upgrades, let in-flight frames finish, then error + 1001 to every socket. */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    clearInterval(this.heartbeat);
    const conns = [...this.registry.values()];
    await withTimeout(Promise.all(conns.map((c) => c.idle())), this.config.app.shutdownTimeoutMs / 2);
    for (const c of conns) this.close(c, CLOSE.SHUTTING_DOWN);
    await withTimeout(Promise.all(conns.map((c) => waitClosed(c.ws))), 2000);
    for (const c of conns) c.ws.terminate();
    this.wss?.close();
  }

  close(conn: Connection, spec: CloseSpec, message?: string): void {
    if (!conn.isOpen) return;
    this.metrics.closes.inc({ code: String(spec.code), reason: spec.error });
    if (spec.code !== 1000 && spec.code !== 1001) {
      this.audit.recordLater('ws_close', {
        userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress, reason: spec.error,
        detail: { code: spec.code, endpoint: conn.endpoint },
      });
    }
    conn.close(spec, message);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.draining) return rejectUpgrade(socket, 503, 'Service Unavailable');
    const pathname = (req.url ?? '/').split('?')[0];
    let params: Record<string, string> | undefined;
    const route = this.routes.find((r) => (params = r.match(pathname)) !== undefined);
    if (!route || !params) return rejectUpgrade(socket, 404, 'Not Found');
    if (!isOriginAllowed(req.headers.origin, req.headers.host, this.config.ws)) {
      this.metrics.authAttempts.inc({ method: 'origin', result: 'refused' });
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, route.gateway, params!));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage, gateway: WsGateway, params: Record<string, string>): void {
    const ip = clientAddress(req, this.config.http.clientAddress);
    const cfg = this.config.ws;
    const conn = new Connection(ws, gateway.path, ip, cfg, (c) => this.close(c, CLOSE.SLOW_CONSUMER));
    conn.resource = params;
    this.registry.admit(conn);
    ws.on('close', () => this.onClosed(conn, gateway));
    ws.on('error', (err) => this.logger.debug({ err: err.message, conn: conn.id }, 'socket error'));
    ws.on('pong', () => { conn.alive = true; });
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(conn, gateway, data, isBinary));

    if (this.registry.size > cfg.maxConnections || this.registry.unauthenticatedCount > cfg.maxUnauthenticated) {
      return this.close(conn, CLOSE.SERVER_BUSY);
    }
    if (this.authFailures.count(ip) >= cfg.authFailuresPerMinute) return this.close(conn, CLOSE.TOO_MANY_AUTH_FAILURES);
    const credential = extractCredential(req, cfg);
    conn.authMethod = credential.method;
    if (credential.method === 'none') {
      void this.failAuth(conn, 'none', new UnauthenticatedError('No credential presented', 'missing'));
    } else if (credential.method === 'message') {
      const timer = setTimeout(() => !conn.authFrameSeen && conn.isOpen && this.failAuth(conn, 'message', null), cfg.authTimeoutMs).unref();
      conn.onClose(() => clearTimeout(timer));
    } else {
      if (credential.method === 'query') this.logger.warn({ conn: conn.id, endpoint: gateway.path }, 'deprecated: token passed in the query string');
      void conn.run(() => this.authenticate(conn, gateway, credential.method, credential.secret));
    }
  }

  private onMessage(conn: Connection, gateway: WsGateway, data: Buffer, isBinary: boolean): void {
    if (!conn.isOpen || this.draining) return;
    if (data.length > this.config.ws.maxPayloadBytes) return this.close(conn, CLOSE.FRAME_TOO_LARGE);
    void conn.run(() => this.dispatch(conn, gateway, data, isBinary));
  }

  private async dispatch(conn: Connection, gateway: WsGateway, data: Buffer, isBinary: boolean): Promise<void> {
    if (!conn.isOpen) return;
    if (conn.state === 'authenticating') return this.firstFrame(conn, gateway, data, isBinary);
    if (isBinary) {
      if (gateway.handleBinary) return this.guarded(conn, () => gateway.handleBinary!(conn, data));
      return this.badRequest(conn, 'binary frames are not accepted on this endpoint');
    }
    const parsed = parseClientFrame(data.toString('utf8'));
    if (!parsed.ok) return this.badRequest(conn, parsed.message, parsed.refId);
    const frame = parsed.frame;
    if (frame.type === CLIENT_FRAME.PING) {
      conn.send('pong', {}, frame.id);
      return;
    }
    if (frame.type === CLIENT_FRAME.AUTH) return this.reauthenticate(conn, gateway, frame.payload.token, frame.id);
    const handle = () => this.guarded(conn, () => gateway.handleFrame(conn, frame), frame.id);
    return gateway.overlaps?.(frame) ? conn.overlap(handle, OVERLAP_DEPTH) : handle();
  }

  /** With no handshake credential, the first frame must be `auth`. */
  private async firstFrame(conn: Connection, gateway: WsGateway, data: Buffer, isBinary: boolean): Promise<void> {
    conn.authFrameSeen = true;
    const parsed = isBinary ? undefined : parseClientFrame(data.toString('utf8'));
    if (!parsed?.ok || parsed.frame.type !== CLIENT_FRAME.AUTH) {
      this.metrics.authAttempts.inc({ method: 'message', result: 'not_auth' });
      return this.close(conn, CLOSE.FIRST_FRAME_NOT_AUTH);
    }
    return this.authenticate(conn, gateway, 'message', parsed.frame.payload.token);
  }

  private async authenticate(conn: Connection, gateway: WsGateway, method: string, secret: string): Promise<void> {
    const epoch = this.revocations;
    let auth;
    try {
      auth = await this.authenticator.verify(gateway.credential, method, secret);
    } catch (err) {
      return this.failAuth(conn, method, err);
    }
    if (!conn.isOpen) return;
    if (auth.kind === 'user' && this.registry.countForUser(auth.userId) >= this.config.ws.maxConnectionsPerUser) {
      this.metrics.authAttempts.inc({ method, result: 'too_many_connections' });
      return this.close(conn, CLOSE.TOO_MANY_CONNECTIONS);
    }
    conn.auth = auth;
    conn.state = 'open';
    this.registry.authenticated(conn);
    this.metrics.authAttempts.inc({ method, result: 'ok' });
    this.metrics.live.inc({ endpoint: gateway.path });
    this.audit.recordLater('ws_auth', {
      userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress,
      detail: { method, endpoint: gateway.path, ...(auth.kind === 'service' ? { apiKeyId: auth.apiKeyId, service: auth.name } : {}) },
    });
    for (const l of this.lifecycle) l.authenticated(conn);
    // Subscribed before `ready`, holding fan-out until the ownership check passes: a message
    // stored just after `ready` is neither missed nor shown to a socket that fails the check.
    conn.hold();
    this.registry.attachResource(conn);
    conn.send('ready', {
      sessionId: conn.sessionId ?? null, userId: conn.userId ?? null,
      expiresAt: auth.kind === 'user' ? new Date(auth.expiresAt).toISOString() : null, resource: conn.resource,
    });
    try {
      await gateway.authorize(conn);
    } catch (err) {
      return this.close(conn, closeFor(err), clientMessage(err, closeFor(err)));
    }
    if (!conn.isOpen) return;
    // A revocation that landed while this socket was being checked may have found it in no index: check again.
    if (this.revocations !== epoch) {
      try {
        await this.authenticator.recheck(conn.auth!);
        await gateway.authorize(conn);
      } catch (err) {
        return this.close(conn, closeFor(err), clientMessage(err, closeFor(err)));
      }
      if (!conn.isOpen) return;
    }
    conn.release();
    if (gateway.start) void this.guarded(conn, () => gateway.start!(conn));
  }

  /** Called for every revocation event, before the affected sockets are looked up. */
  noteRevocation(): void {
    this.revocations++;
  }

  private failAuth(conn: Connection, method: string, err: unknown): void {
    const spec = err === null ? CLOSE.AUTH_TIMEOUT : closeFor(err);
    const reason = err instanceof UnauthenticatedError ? err.reason : err === null ? 'timeout' : spec.error.toLowerCase();
    this.metrics.authAttempts.inc({ method, result: reason });
    if (err !== null && !(err instanceof DomainError)) this.logger.error({ err, conn: conn.id }, 'authentication error');
    if (spec.code === 4001 || spec.code === 4008) this.authFailures.hit(conn.remoteAddress);
    this.audit.recordLater('ws_auth_failed', { ip: conn.remoteAddress, reason, detail: { method, endpoint: conn.endpoint, code: spec.code } });
    this.close(conn, spec, clientMessage(err, spec));
  }

  /** In-band `auth` on an open socket: same user (or service) keeps going; anything else closes 4001. */
  private async reauthenticate(conn: Connection, gateway: WsGateway, token: string, refId: string): Promise<void> {
    const before = conn.auth!;
    let next;
    try {
      next = await this.authenticator.verify(gateway.credential, 'message', token);
      if (next.kind === 'user' && before.kind === 'user' && next.userId !== before.userId) {
        throw new UnauthenticatedError('Token is for another user', 'other_user');
      }
      // JWT_LEEWAY_S lets a just-expired token through verification (clock skew); as a re-auth it
      // would buy nothing but an auth_ok followed at once by the expiry close.
      if (next.kind === 'user' && next.expiresAt <= Date.now()) throw new UnauthenticatedError('Token expired', 'expired');
    } catch (err) {
      this.metrics.reauth.inc({ result: 'failed' });
      this.audit.recordLater('ws_reauth_failed', {
        userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress,
        reason: err instanceof UnauthenticatedError ? err.reason : 'error',
      });
      const spec = err instanceof DomainError && err.kind === 'inactive' ? CLOSE.USER_INACTIVE
        : closeFor(err).code === 4001 ? closeFor(err) : CLOSE.UNAUTHENTICATED;
      return this.close(conn, spec, clientMessage(err, spec));
    }
    if (!conn.isOpen) return;
    const previousSession = conn.sessionId;
    conn.auth = next;
    this.registry.reindex(conn, previousSession);
    for (const l of this.lifecycle) l.reauthenticated(conn);
    this.metrics.reauth.inc({ result: 'ok' });
    this.audit.recordLater('ws_reauth', { userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress });
    conn.send('auth_ok', { expiresAt: next.kind === 'user' ? new Date(next.expiresAt).toISOString() : null }, refId);
  }

  /** Runs gateway code; domain errors close (or answer BAD_REQUEST for bad input), others are logged and close 1011. */
  private async guarded(conn: Connection, work: () => Promise<void> | void, refId?: string): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (err instanceof DomainError && err.kind === 'invalid') return this.badRequest(conn, err.message, refId);
      if (!(err instanceof DomainError)) this.logger.error({ err, conn: conn.id }, 'gateway error');
      const spec = closeFor(err);
      this.close(conn, spec, clientMessage(err, spec));
    }
  }

  private badRequest(conn: Connection, message: string, refId?: string): void {
    conn.send('error', { code: ERROR.BAD_REQUEST, message, ...(refId !== undefined ? { refId } : {}) }, refId);
    if (conn.protocolError()) this.close(conn, CLOSE.TOO_MANY_PROTOCOL_ERRORS);
  }

  private onClosed(conn: Connection, gateway: WsGateway): void {
    const wasAuthenticated = conn.auth !== undefined;
    conn.closed();
    this.registry.remove(conn);
    if (!wasAuthenticated) return;
    this.metrics.live.dec({ endpoint: gateway.path });
    for (const l of this.lifecycle) l.closed(conn);
    gateway.onClose?.(conn);
  }
}
