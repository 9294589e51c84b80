import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, Repository } from 'typeorm';
import { AuditEvent } from './audit-event.entity';

export interface AuditRecord {
  userId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  reason?: string | null;
  /** Non-secret facts only: method, endpoint, close code. Never a token. */
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditView {
  id: string; type: string; userId: string | null; sessionId: string | null; ip: string | null; reason: string | null;
  detail: Record<string, unknown> | null; createdAt: string;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(@InjectRepository(AuditEvent) private readonly repo: Repository<AuditEvent>) {}

  async record(type: string, rec: AuditRecord = {}): Promise<void> {
    const row = this.repo.create({
      type, userId: rec.userId ?? null, sessionId: rec.sessionId ?? null, ip: rec.ip?.slice(0, 64) ?? null,
      reason: rec.reason?.slice(0, 255) ?? null, detail: rec.detail ? JSON.stringify(rec.detail) : null,
    });
    await this.repo.insert(row);
  }

  /** For hot paths (socket auth): never blocks the caller, never throws. */
  recordLater(type: string, rec: AuditRecord = {}): void {
    this.record(type, rec).catch((err) => this.logger.warn({ err, type }, 'audit write failed'));
  }

  async query(filter: { type?: string; userId?: string; limit?: number }): Promise<AuditView[]> {
    const where: FindOptionsWhere<AuditEvent> = {};
    if (filter.type) where.type = filter.type;
    if (filter.userId) where.userId = filter.userId;
    const rows = await this.repo.find({ where, order: { createdAt: 'DESC', id: 'DESC' }, take: Math.min(filter.limit ?? 100, 1000) });
    return rows.map((r) => ({
      id: r.id, type: r.type, userId: r.userId, sessionId: r.sessionId, ip: r.ip, reason: r.reason,
      detail: r.detail ? JSON.parse(r.detail) : null, createdAt: new Date(r.createdAt).toISOString(),
    }));
  }
}
