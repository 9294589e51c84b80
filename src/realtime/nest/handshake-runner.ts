import { CanActivate, Injectable, Logger } from '@nestjs/common';
import { GuardsConsumer } from '@nestjs/core/guards/guards-consumer';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { AuditService } from '../../audit/audit.service';
import { DomainError, ForbiddenError, UnauthenticatedError } from '../../common/errors/domain-errors';
import { logEnabled } from '../../common/logging/log-level';
import { isoTime } from '../../common/util/iso-time';
import { WindowCounter } from '../../common/util/window-counter';
import { CLOSE } from '../close-codes';
import { clientMessage, closeFor } from '../close-mapping';
import { Connection } from '../connection';
import { ConnectionCloser } from '../connection-closer';
import { ConnectionRegistry } from '../connection-registry';
import { HandshakeAuthenticator } from '../handshake-authenticator';
import { RealtimeMetrics } from '../realtime.metrics';
import { WsPolicyError } from '../ws-errors';
import { WsHandshake } from '../ws-handshake';
import { HANDSHAKE } from './ws-decorators';
import { WsPolicyFilter } from './ws-policy.filter';
import { ResolvedGateway } from './ws-endpoint';

/**
 * Runs a gateway's class guards at connect time, through Nest's own
 * GuardsConsumer with an ExecutionContext of type `ws` whose `switchToWs()`
 * gives the Connection (`getClient()`), the WsHandshake (`getData()`) and the
 * pattern `$handshake`. Identity guards first; then `ready`; then the
 * resource checks; data flows only after all have passed.
 */
@Injectable()
export class HandshakeRunner {
  private readonly logger = new Logger('WsHandshake');
  private readonly consumer = new GuardsConsumer();
  /** Failed authentications per client address in the last minute (4029 past WS_AUTH_FAILURES_PER_MINUTE). */
  readonly authFailures = new WindowCounter();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly closer: ConnectionCloser,
    private readonly authenticator: HandshakeAuthenticator,
    private readonly metrics: RealtimeMetrics,
    private readonly audit: AuditService,
    private readonly filter: WsPolicyFilter,
  ) {}

  /** True when the socket may receive data; otherwise it has been closed with the guard's verdict. */
  async run(conn: Connection, handshake: WsHandshake, gateway: ResolvedGateway): Promise<boolean> {
    const epoch = this.registry.revocationEpoch;
    const method = handshake.credential.method;
    // One Nest ExecutionContext for the whole handshake: every guard sees the same [conn, handshake, '$handshake'].
    const context = this.consumer.createContext([conn, handshake, HANDSHAKE], gateway.instance, gateway.handshakeHandler);
    context.setType('ws');
    try {
      const identifying = this.activate(gateway.identityGuards, conn, context);
      if (identifying) await identifying;
      if (!conn.auth) throw new UnauthenticatedError('No credential guard identified the socket', 'missing');
    } catch (err) {
      this.failAuth(conn, method, err);
      return false;
    }
    if (!conn.isOpen) return false;
    this.identified(conn, method);
    try {
      const checking = this.activate(gateway.resourceGuards, conn, context);
      if (checking) await checking;
      // A revocation that landed while this socket was being checked may have found it in no index: check again.
      if (this.registry.revocationEpoch !== epoch && conn.isOpen) {
        await this.authenticator.recheck(conn.auth);
        await this.activate(gateway.resourceGuards, conn, context);
      }
    } catch (err) {
      this.filter.handle(conn, err);
      return false;
    }
    if (!conn.isOpen) return false;
    conn.release();
    return true;
  }

  /**
   * Nest's GuardsConsumer semantics (a boolean, a promise or an observable
   * decides), one guard at a time so a socket closed meanwhile stops the
   * chain. Only a guard that returns a promise or an observable is waited
   * for: when every guard answers at once (a token whose session is known in
   * memory), so does this, with no promise (undefined), and a refusal is thrown.
   */
  private activate(guards: CanActivate[], conn: Connection, context: ExecutionContextHost, from = 0): Promise<void> | undefined {
    for (let i = from; i < guards.length; i++) {
      if (!conn.isOpen) return undefined;
      const result = guards[i].canActivate(context);
      if (typeof result !== 'boolean') {
        return this.consumer.pickResult(result).then((ok) => {
          if (!ok) throw new ForbiddenError('Forbidden');
          return this.activate(guards, conn, context, i + 1);
        });
      }
      if (!result) throw new ForbiddenError('Forbidden');
    }
    return undefined;
  }

  /** Identity established: index it, count it, and say `ready`, subscribed but holding fan-out until the resource checks pass. */
  private identified(conn: Connection, method: string): void {
    const auth = conn.auth!;
    conn.state = 'open';
    this.registry.authenticated(conn);
    this.metrics.authAttempt(method, 'ok');
    if (logEnabled('info')) this.logger.log({ conn: conn.id, endpoint: conn.endpoint, method, userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress }, 'ws authenticated');
    this.metrics.liveChanged(conn.endpoint, 1);
    this.audit.recordLater('ws_auth', {
      userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress,
      detail: { method, endpoint: conn.endpoint, ...(auth.kind === 'service' ? { apiKeyId: auth.apiKeyId, service: auth.name } : {}) },
    });
    // Subscribed before `ready`, holding fan-out until the ownership check passes: a message
    // stored just after `ready` is neither missed nor shown to a socket that fails the check.
    conn.hold();
    this.registry.attachResource(conn);
    conn.send('ready', {
      sessionId: conn.sessionId ?? null, userId: conn.userId ?? null,
      expiresAt: auth.kind === 'user' ? isoTime(auth.expiresAt) : null, resource: conn.resource,
    });
  }

  private failAuth(conn: Connection, method: string, err: unknown): void {
    if (!conn.isOpen) return;
    const spec = closeFor(err);
    const reason = err instanceof UnauthenticatedError ? err.reason : err instanceof WsPolicyError ? policyReason(err) : spec.error.toLowerCase();
    this.metrics.authAttempt(method, reason);
    if (!(err instanceof DomainError) && !(err instanceof WsPolicyError)) this.logger.error({ err, conn: conn.id }, 'authentication error');
    if (spec.code === 4001 || spec.code === 4008) this.authFailures.hit(conn.remoteAddress);
    if (logEnabled('info')) this.logger.log({ conn: conn.id, endpoint: conn.endpoint, method, reason, code: spec.code, ip: conn.remoteAddress }, 'ws authentication failed');
    this.audit.recordLater('ws_auth_failed', { ip: conn.remoteAddress, reason, detail: { method, endpoint: conn.endpoint, code: spec.code } });
    this.closer.close(conn, spec, clientMessage(err, spec));
  }
}

const policyReason = (err: WsPolicyError): string =>
  err.spec === CLOSE.AUTH_TIMEOUT ? 'timeout' : err.spec === CLOSE.FIRST_FRAME_NOT_AUTH ? 'not_auth' : err.spec.error.toLowerCase();
