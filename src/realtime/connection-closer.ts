import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { logEnabled } from '../common/logging/log-level';
import { CloseSpec } from './close-codes';
import { Connection } from './connection';
import { RealtimeMetrics } from './realtime.metrics';

/** Every server-side close goes through here: counted, audited when abnormal, `error` frame first (but for a finished stream). */
@Injectable()
export class ConnectionCloser {
  private readonly logger = new Logger('Realtime');

  constructor(private readonly metrics: RealtimeMetrics, private readonly audit: AuditService) {}

  close(conn: Connection, spec: CloseSpec, message?: string): void {
    if (!conn.isOpen) return;
    this.metrics.closes.inc({ code: String(spec.code), reason: spec.error });
    if (logEnabled('info')) this.logger.log({ conn: conn.id, endpoint: conn.endpoint, code: spec.code, error: spec.error, userId: conn.userId, ip: conn.remoteAddress }, 'ws closed by server');
    if (spec.code !== 1000 && spec.code !== 1001) {
      this.audit.recordLater('ws_close', {
        userId: conn.userId, sessionId: conn.sessionId, ip: conn.remoteAddress, reason: spec.error,
        detail: { code: spec.code, endpoint: conn.endpoint },
      });
    }
    conn.close(spec, message);
  }
}
