import { INestApplication, Logger } from '@nestjs/common';
import type { NestContainer } from '@nestjs/core/injector/container';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import { InvalidInputError } from '../../common/errors/domain-errors';
import { logEnabled } from '../../common/logging/log-level';
import { clientAddress, requestScheme } from '../../common/net/client-address';
import { socketLimit } from '../../common/net/open-files';
import { AppConfig } from '../../config/app-config';
import { CLOSE } from '../close-codes';
import { Connection } from '../connection';
import { ConnectionCloser } from '../connection-closer';
import { ConnectionRegistry, SHARDS } from '../connection-registry';
import { extractCredential, selectProtocol } from '../credentials';
import { parseEnvelope } from '../frame-validation';
import { isOriginAllowed } from '../origin-policy';
import { QuietWebSocket } from '../quiet-websocket';
import { RealtimeMetrics } from '../realtime.metrics';
import { HeartbeatSweep, rejectUpgrade, waitClosed, withTimeout } from '../socket-utils';
import { WsHandshake } from '../ws-handshake';
import { GatewayHandler } from './gateway-handlers';
import { HandshakeRunner } from './handshake-runner';
import { BINARY_FRAME, INVALID_FRAME } from './ws-decorators';
import { resolveGateway, WsEndpoint } from './ws-endpoint';
import { WsPolicyFilter } from './ws-policy.filter';
import { UnauthenticatedSlots } from './unauthenticated-slots';

/** Frames a @Pipelined() handler lets overlap in flight per socket before the socket's frame queue waits. */
const OVERLAP_DEPTH = 16;
/** The Connection of a `ws` socket, for listeners shared by every socket (see `listeners`). */
const CONN = Symbol('portcullis.connection');
type TaggedSocket = WebSocket & { [CONN]: Connection };
const connOf = (ws: WebSocket): Connection => (ws as TaggedSocket)[CONN];

interface Deps {
  config: AppConfig; registry: ConnectionRegistry; closer: ConnectionCloser; runner: HandshakeRunner;
  metrics: RealtimeMetrics; filter: WsPolicyFilter; maxSockets: number;
}

/**
 * Our NestJS WebSocket adapter: @nestjs/platform-ws's WsAdapter, with what the
 * stock one lacks (nestjs/nest #882, #9231, #4841): upgrade routing by path
 * pattern with params, origin 403 before any 101, capacity, the gateway's
 * class guards run at connect before `ready` and before any frame is
 * dispatched (HandshakeRunner), frames held until that verdict and then handled
 * in order, every unroutable frame answered rather than dropped, and a drain
 * that closes 1001 instead of terminating. Gateways stay plain NestJS.
 */
export class PortcullisWsAdapter extends WsAdapter {
  private readonly log = new Logger('Realtime');
  /** By path, in declaration order (the order upgrades are matched in). */
  private readonly endpoints = new Map<string, WsEndpoint>();
  private readonly slots = new UnauthenticatedSlots();
  private wss?: WebSocketServer;
  private heartbeat?: HeartbeatSweep;
  private draining?: Promise<void>;
  private deps?: Deps;

  constructor(private readonly app: INestApplication) {
    super(app);
  }

  override create(port: number, options: { path?: string } = {}): WsEndpoint {
    if (port !== 0 || !options.path) throw new Error('Portcullis gateways share the HTTP port and declare a path: @WebSocketGateway({ path })');
    const endpoint = new WsEndpoint(options.path);
    this.endpoints.set(endpoint.path, endpoint);
    if (!this.wss) this.listen();
    return endpoint;
  }

  override bindClientConnect(endpoint: WsEndpoint, callback: (...args: unknown[]) => void): void {
    endpoint.onConnection = callback;
    // The application's container, as Nest's SocketModule is given it (NestApplicationContext keeps it, protected).
    const container = (this.app as unknown as { container: NestContainer }).container;
    endpoint.gateway = resolveGateway(container, endpoint.path);
  }

  /** Only a gateway with `handleDisconnect` needs to hear of it: a hook per socket is memory held for its whole life. */
  override bindClientDisconnect(conn: Connection, callback: () => void): void {
    if (this.endpointOf(conn)?.gateway?.handlesDisconnect) conn.onClose(callback);
  }

  /**
   * Nest hands us the gateway's handlers bound to this socket, once its
   * handshake has been accepted. Frames are dispatched to the endpoint's
   * unbound copies instead (see createGatewayHandlers: the same pipeline,
   * without ~0.5 KiB kept per socket); from here on the socket takes frames.
   */
  override bindMessageHandlers(conn: Connection, _handlers: MessageMappingProperties[]): void {
    conn.handlers = this.endpointOf(conn)!.gateway!.handlers;
  }

  /** Called by Nest once per gateway on shutdown: the first call drains every socket, the others wait for it. */
  override async close(): Promise<void> {
    this.draining ??= this.drain();
    await this.draining;
  }

  override async dispose(): Promise<void> {
    this.heartbeat?.stop();
    this.wss?.close();
  }

  private endpointOf(conn: Connection): WsEndpoint | undefined {
    return this.endpoints.get(conn.endpoint);
  }

  /**
   * One set of socket listeners for every socket, each finding its Connection
   * on the socket (`this` is the ws socket): closures made per socket were
   * ~300 bytes kept for the socket's whole life.
   */
  private readonly listeners = ((adapter: PortcullisWsAdapter) => ({
    close(this: WebSocket, code: number): void { adapter.onClosed(connOf(this), code); },
    error(this: WebSocket, err: Error): void {
      if (logEnabled('debug')) adapter.log.debug({ err: err.message, conn: connOf(this).id }, 'socket error');
    },
    pong(this: WebSocket): void { connOf(this).alive = true; },
    message(this: WebSocket, data: Buffer, isBinary: boolean): void {
      const conn = connOf(this);
      adapter.onMessage(conn, adapter.endpointOf(conn)!, data, isBinary);
    },
    slowConsumer(conn: Connection): void { adapter.d.closer.close(conn, CLOSE.SLOW_CONSUMER); },
  }))(this);

  private get d(): Deps {
    this.deps ??= this.resolve();
    return this.deps;
  }

  private resolve(): Deps {
    const config = this.app.get(AppConfig);
    const deps: Deps = {
      config, maxSockets: socketLimit(config.ws.maxConnections, config.ws.maxConnectionsSet, this.log), registry: this.app.get(ConnectionRegistry), closer: this.app.get(ConnectionCloser),
      runner: this.app.get(HandshakeRunner), metrics: this.app.get(RealtimeMetrics), filter: this.app.get(WsPolicyFilter),
    };
    deps.metrics.unauthenticated = () => deps.registry.unauthenticatedCount;
    return deps;
  }

  private listen(): void {
    const ws = this.d.config.ws;
    this.wss = new WebSocketServer({
      noServer: true,
      // Frames over the limit but under this hard cap get an `error` frame and 1009 from us. Past it ws refuses the
      // frame itself with a bare 1009 (it closes before any hook runs); the cap bounds what one frame may buffer.
      maxPayload: Math.max(ws.maxPayloadBytes * 16, 1 << 20),
      // No compression: fan-out writes frames made once for every socket (SharedFrame), behind ws's own writes.
      perMessageDeflate: false,
      // QuietWebSocket answers pings itself, as ws would: ws's own way makes a closure per socket that V8 keeps until a
      // mark-compact, and with it the closed socket and its Connection (see QuietWebSocket).
      autoPong: false,
      clientTracking: false,
      handleProtocols: selectProtocol,
      // ws's WebSocket, minus the errors it builds and drops at every close (see QuietWebSocket).
      WebSocket: QuietWebSocket,
    });
    (this.httpServer as Server).on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    if (ws.heartbeatMs > 0) this.heartbeat = new HeartbeatSweep(() => this.d.registry, ws.heartbeatMs, SHARDS);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.draining) return rejectUpgrade(socket, 503, 'Service Unavailable');
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const pathname = query < 0 ? url : url.slice(0, query);
    let params: Record<string, string> | undefined;
    let endpoint: WsEndpoint | undefined;
    for (const e of this.endpoints.values()) if ((params = e.match(pathname)) !== undefined) { endpoint = e; break; }
    if (!endpoint?.gateway || !params) return rejectUpgrade(socket, 404, 'Not Found');
    if (!isOriginAllowed(req.headers.origin, req.headers.host, this.d.config.ws, requestScheme(req, this.d.config.http.clientAddress))) {
      this.d.metrics.authAttempt('origin', 'refused');
      this.log.log({ origin: req.headers.origin, ip: clientAddress(req, this.d.config.http.clientAddress), path: pathname }, 'ws upgrade refused: origin not allowed');
      return rejectUpgrade(socket, 403, 'Forbidden');
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, endpoint, params!));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage, endpoint: WsEndpoint, params: Record<string, string>): void {
    const { config, registry, closer, runner } = this.d;
    const cfg = config.ws;
    const ip = clientAddress(req, config.http.clientAddress);
    const on = this.listeners;
    const conn = new Connection(ws, endpoint.path, ip, cfg, on.slowConsumer, this.d.metrics.traffic, req.socket);
    conn.resource = params;
    registry.admit(conn);
    (ws as TaggedSocket)[CONN] = conn;
    ws.on('close', on.close);
    ws.on('error', on.error);
    ws.on('pong', on.pong);
    ws.on('message', on.message);

    if (registry.size > this.d.maxSockets) return closer.close(conn, CLOSE.SERVER_BUSY);
    if (runner.authFailures.count(ip) >= cfg.authFailuresPerMinute) return closer.close(conn, CLOSE.TOO_MANY_AUTH_FAILURES);
    this.handshake(conn, req, endpoint, params);
  }

  /**
   * Its own scope on purpose: closures share their function's context in V8,
   * so a handshake started beside the socket's listeners kept the upgrade
   * request (headers and all) alive for the socket's whole life.
   */
  private handshake(conn: Connection, req: IncomingMessage, endpoint: WsEndpoint, params: Record<string, string>): void {
    const cfg = this.d.config.ws;
    const credential = extractCredential(req, cfg);
    conn.authMethod = credential.method;
    const handshake = new WsHandshake(req, params, credential);
    if (credential.method === 'query') this.log.warn({ conn: conn.id, endpoint: endpoint.path }, 'deprecated: token passed in the query string');
    if (credential.method !== 'message') return this.authenticate(conn, handshake, endpoint);
    // Only sockets that have shown no credential hold an unauthenticated slot, and one address only its share.
    if (!this.slots.take(conn, cfg.maxUnauthenticated)) return this.d.closer.close(conn, CLOSE.SERVER_BUSY);
    // The guards run once the `auth` frame is there (or its deadline has passed), so they answer at once, as for a header.
    handshake.awaitAuthFrame(conn, cfg.authTimeoutMs, () => this.authenticate(conn, handshake, endpoint));
  }

  /** The gateway's guards, in the socket's frame queue: frames after the first wait for their verdict. */
  private authenticate(conn: Connection, handshake: WsHandshake, endpoint: WsEndpoint): void {
    void conn.run(async () => {
      const accepted = await this.d.runner.run(conn, handshake, endpoint.gateway!);
      this.slots.release(conn);
      if (accepted) endpoint.accepted(conn, handshake);
    });
  }

  private onMessage(conn: Connection, endpoint: WsEndpoint, data: Buffer, isBinary: boolean): void {
    const traffic = this.d.metrics.traffic;
    traffic.framesIn++;
    traffic.bytesIn += data.length;
    if (!conn.isOpen || this.draining) return;
    if (data.length > this.d.config.ws.maxPayloadBytes) return this.d.closer.close(conn, CLOSE.FRAME_TOO_LARGE);
    if (conn.firstFrame) return conn.firstFrame(data, isBinary);
    // Parsed on arrival, so the gateway hears of the frame before it queues (see RealtimeGateway.frameArrived).
    const parsed = isBinary ? undefined : parseEnvelope(data.toString('utf8'));
    const handled = parsed?.ok ? endpoint.gateway!.arrived?.(conn, parsed.frame.type) : undefined;
    const done = conn.run(() => this.dispatch(conn, endpoint, data, parsed));
    if (handled) void done.then(handled, handled);
  }

  /** Routes one frame to its @SubscribeMessage handler; what cannot be routed goes to `$invalid`, so the same guards, budget and filter see it. */
  private async dispatch(conn: Connection, endpoint: WsEndpoint, data: Buffer, parsed: ReturnType<typeof parseEnvelope> | undefined): Promise<void> {
    const handlers = conn.handlers;
    if (!conn.isOpen || !handlers) return;
    const isBinary = !parsed;
    let pattern = BINARY_FRAME;
    let body: unknown = data;
    if (parsed) {
      pattern = parsed.ok ? parsed.frame.type : INVALID_FRAME;
      body = parsed.ok ? parsed.frame : { id: parsed.refId, error: new InvalidInputError('frame', parsed.message) };
    }
    let handler = handlers.get(pattern);
    if (!handler) {
      const id = (body as { id?: string }).id;
      const what = isBinary ? 'binary frames are' : `${pattern} is`;
      body = { id, error: new InvalidInputError('type', `${what} not accepted on this endpoint`) };
      pattern = INVALID_FRAME;
      handler = handlers.get(INVALID_FRAME);
      if (!handler) return this.d.filter.handle(conn, (body as { error: Error }).error, id);
    }
    const invoke = () => this.invoke(conn, handler!, body, pattern);
    return endpoint.gateway!.pipelined.has(pattern) ? conn.overlap(invoke, OVERLAP_DEPTH) : invoke();
  }

  /** Runs the handler through Nest's pipeline (guards, any interceptors, pipes, filter) and sends what it returns as `{event, data}`. */
  private async invoke(conn: Connection, handler: GatewayHandler, body: unknown, pattern: string): Promise<void> {
    const refId = (body as { id?: string }).id;
    try {
      let result = await handler(conn, body, pattern);
      if (isObservable(result)) result = await lastValueFrom(result as Observable<unknown>, { defaultValue: undefined });
      const reply = result as { event?: unknown; data?: unknown } | undefined;
      if (reply && typeof reply.event === 'string') conn.send(reply.event as 'pong', reply.data as Record<string, never>, refId);
    } catch (err) {
      // Nest's proxy hands errors to the gateway's filter; this is for one that escaped it.
      this.d.filter.handle(conn, err, refId);
    }
  }

  private onClosed(conn: Connection, code: number): void {
    const wasAuthenticated = conn.auth !== undefined;
    if (logEnabled('debug')) this.log.debug({ conn: conn.id, code, userId: conn.userId, durationMs: Date.now() - conn.connectedAtMs }, 'ws disconnected');
    this.slots.release(conn);
    conn.closed();
    this.d.registry.remove(conn);
    if (wasAuthenticated) this.d.metrics.liveChanged(conn.endpoint, -1);
    // The socket hears nothing after `close`; it and its Connection let go of each other (QuietWebSocket says why).
    (conn.ws as Partial<TaggedSocket>)[CONN] = undefined;
  }

  /**
   * SIGTERM: refuse new upgrades, let in-flight frames finish, then error + 1001 to every socket.
   * A socket still waiting for its first-frame `auth` has nothing in flight: it is closed at once,
   * not waited on until its deadline (which would hold every other socket's 1001 back with it).
   * The audit rows of the closing sockets are written by AuditFinalFlush, after the servers close.
   */
  private async drain(): Promise<void> {
    this.heartbeat?.stop();
    const conns = [...this.d.registry.values()];
    this.log.log({ sockets: conns.length }, 'ws drain: finishing in-flight frames, then closing every socket 1001');
    for (const c of conns) if (c.firstFrame) this.d.closer.close(c, CLOSE.SHUTTING_DOWN);
    await withTimeout(Promise.all(conns.map((c) => c.idle())), this.d.config.app.shutdownTimeoutMs / 2);
    for (const c of conns) this.d.closer.close(c, CLOSE.SHUTTING_DOWN);
    await withTimeout(Promise.all(conns.map((c) => waitClosed(c.ws))), 2000);
    for (const c of conns) c.ws.terminate();
  }
}
