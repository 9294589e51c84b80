import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AuditService } from './audit.service';

/**
 * Writes what the audit queue holds once the HTTP and WebSocket servers have closed, before the
 * database does. Provided by AppModule, not AuditModule, for the order: Nest calls
 * onApplicationShutdown module by module, nearest the root first, and puts global modules last
 * in no order of ours; TypeORM's global core module closes the DataSource in that hook, and
 * AuditModule is global too. AppModule's own providers come first.
 */
@Injectable()
export class AuditFinalFlush implements OnApplicationShutdown {
  constructor(private readonly audit: AuditService) {}

  onApplicationShutdown(): Promise<void> {
    return this.audit.flush();
  }
}
