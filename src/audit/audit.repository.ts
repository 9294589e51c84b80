import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import { deleteBatch } from '../database/batch-delete';
import { sqliteDateTime } from '../database/sqlite-statements';
import { AuditEvent } from './audit-event.entity';

export type AuditRow = Pick<AuditEvent, 'id' | 'type' | 'userId' | 'sessionId' | 'ip' | 'reason' | 'detail' | 'createdAt'>;

export interface AuditFilter { type?: string; userId?: string; after?: Date; before?: Date; below?: { createdAt: Date; id: string } }

const COLUMNS = ['id', 'type', 'user_id', 'session_id', 'ip', 'reason', 'detail', 'created_at'];
/** Each element of the bound JSON array is one row's values in COLUMNS order; `->>` gives SQL text, or NULL for a JSON null. */
const SQLITE_INSERT = `INSERT INTO audit_events (${COLUMNS.join(', ')}) SELECT ${COLUMNS.map((_, i) => `value ->> ${i}`).join(', ')} FROM jsonb_each(?)`;
/**
 * A lone UTF-16 surrogate travels through JSON as a `\uD800` escape, which SQLite
 * would store as bytes that are not UTF-8; bound directly it became U+FFFD. The same here.
 * (`detail` is JSON text already, its own escapes kept as text, and the ids are ours.)
 */
const wellFormed = (s: string | null): string | null => (s === null || s.isWellFormed() ? s : s.toWellFormed());
/** 800 parameters a statement. */
const PG_ROWS_PER_INSERT = 100;
/** Where created_at sits in a tuple (COLUMNS order). */
const CREATED_AT = 7;

/** One row's values in COLUMNS order, as auditTuple() writes them. */
type AuditTupleValues = [string, string, string | null, string | null, string | null, string | null, string | null, string];

/**
 * One row as an element of a batch: its values in COLUMNS order, text made
 * well-formed (see wellFormed; PostgreSQL's driver did the same when it
 * encoded the text), and the time as SQLite's datetime text, read back
 * exactly for PostgreSQL (fromSqliteDateTime).
 */
export function auditTuple(r: AuditRow): string {
  const values: AuditTupleValues = [r.id, r.type, wellFormed(r.userId), wellFormed(r.sessionId), wellFormed(r.ip), wellFormed(r.reason), r.detail, sqliteDateTime(r.createdAt)];
  return JSON.stringify(values);
}

/** The instant sqliteDateTime() wrote (UTC, to the millisecond). */
const fromSqliteDateTime = (text: string): Date => new Date(`${text.replace(' ', 'T')}Z`);

/** The only place that queries audit events. */
@Injectable()
export class AuditRepository {
  constructor(@InjectRepository(AuditEvent) private readonly repo: Repository<AuditEvent>) {}

  /**
   * Written by hand because this runs for every socket connect and close: the
   * query builder's per-row metadata work cost more than the insert itself
   * (profiled at ~4% of connect CPU). The rows go as one JSON array of
   * auditTuple()s, which is also how AuditService queues them.
   */
  insertMany(rows: AuditRow[]): Promise<void> {
    return rows.length ? this.insertTuples(`[${rows.map(auditTuple).join(',')}]`) : Promise.resolve();
  }

  /**
   * A batch, as the JSON array of its rows' auditTuple()s.
   *
   * SQLite: the whole batch in one statement, as one JSON text that
   * `jsonb_each` unpacks, prepared once and kept (prepared-sqlite.ts). Each
   * statement is a commit of its own, and a commit costs about as much as a
   * hundred rows (SQLite alone, synchronous=normal: ~27 µs a row in statements
   * of 10, ~16 in statements of 100, ~11 in statements of 500), so the queue's
   * flush is not cut into smaller statements. A multi-row `VALUES (?, …)` was
   * parsed and planned again for every batch and bound value by value through
   * node-sqlite3; this way a header connect runs 16–17k fewer instructions (of
   * ~620k, of which the audit row's write is ~55k; bench/callgrind-connect.js).
   * `json_each` saved nothing: it hands each row to `->>` as text, parsed again
   * for every column.
   *
   * PostgreSQL: multi-row `VALUES` of up to 100 rows (800 parameters) a statement.
   */
  async insertTuples(json: string): Promise<void> {
    if (this.repo.manager.connection.options.type !== 'postgres') {
      await this.repo.query(SQLITE_INSERT, [json]);
      return;
    }
    const rows = JSON.parse(json) as AuditTupleValues[];
    for (let i = 0; i < rows.length; i += PG_ROWS_PER_INSERT) await this.insertPg(rows.slice(i, i + PG_ROWS_PER_INSERT));
  }

  private async insertPg(rows: AuditTupleValues[]): Promise<void> {
    const params: unknown[] = [];
    const tuples = rows.map((values) => {
      const marks = values.map((v, i) => { params.push(i === CREATED_AT ? fromSqliteDateTime(v as string) : v); return `$${params.length}`; });
      return `(${marks.join(', ')})`;
    });
    await this.repo.query(`INSERT INTO audit_events (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }

  /** Newest first; `below` is the (createdAt, id) of the last row of the previous page. */
  find(filter: AuditFilter, limit: number): Promise<AuditEvent[]> {
    const qb = this.repo.createQueryBuilder('a').orderBy('a.createdAt', 'DESC').addOrderBy('a.id', 'DESC').limit(limit);
    if (filter.type) qb.andWhere('a.type = :type', { type: filter.type });
    if (filter.userId) qb.andWhere('a.userId = :userId', { userId: filter.userId });
    if (filter.after) qb.andWhere('a.createdAt > :after', { after: filter.after });
    if (filter.before) qb.andWhere('a.createdAt < :before', { before: filter.before });
    const below = filter.below;
    if (below) {
      qb.andWhere(new Brackets((w) => w.where('a.createdAt < :belowAt', { belowAt: below.createdAt })
        .orWhere('a.createdAt = :belowAt AND a.id < :belowId', { belowAt: below.createdAt, belowId: below.id })));
    }
    return qb.getMany();
  }

  /** Deletes up to `limit` rows older than `cutoff`; returns how many went. */
  deleteOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteBatch(this.repo, (qb) => qb.where('t.createdAt < :cutoff', { cutoff }), limit);
  }
}
