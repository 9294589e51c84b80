import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';

const INSTRUMENTED = Symbol('portcullis.instrumented');
const OPERATIONS = new Set(['select', 'insert', 'update', 'delete', 'begin', 'start', 'commit', 'rollback', 'savepoint', 'release', 'pragma']);

/** The statement's first keyword, or `other`: a low-cardinality label (never the SQL, which could hold a value). */
export function operationOf(sql: string): string {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? 'other';
  return OPERATIONS.has(word) ? (word === 'start' ? 'begin' : word) : 'other';
}

/**
 * Database latency: every statement the app runs (TypeORM's query runners are
 * wrapped, so repositories need no change; SqliteStatements reports its own)
 * and each chat group commit.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  private readonly statements;
  /** One histogram child per (operation, result), made once: observing through labels hashes the label object on every statement. */
  private readonly children = new Map<string, { observe(seconds: number): void }>();
  private readonly commits;
  private readonly batchSizes;

  constructor(metrics: MetricsService, @InjectDataSource() private readonly db: DataSource) {
    this.statements = metrics.histogram('portcullis_db_query_duration_seconds', 'Database statement latency by operation', ['operation', 'result'] as const,
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
    this.commits = metrics.histogram('portcullis_chat_commit_duration_seconds', 'Chat message group commit latency (one transaction, one or more messages)', [] as const,
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]);
    this.batchSizes = metrics.histogram('portcullis_chat_commit_batch_size', 'Chat messages per group commit', [] as const, [1, 2, 4, 8, 16, 32, 64]);
  }

  onModuleInit(): void {
    const driver = this.db.driver;
    const create = driver.createQueryRunner.bind(driver);
    driver.createQueryRunner = (mode) => this.instrument(create(mode));
  }

  /** One statement run outside TypeORM's runners (SqliteStatements). */
  statement(sql: string, ok: boolean, seconds: number): void {
    this.child(operationOf(sql), ok ? 'ok' : 'error').observe(seconds);
  }

  chatCommit(messages: number, seconds: number): void {
    this.commits.observe(seconds);
    this.batchSizes.observe(messages);
  }

  /** SQLite hands out one shared runner, PostgreSQL a new one per call: wrap each once. */
  private instrument(runner: QueryRunner): QueryRunner {
    const tagged = runner as QueryRunner & { [INSTRUMENTED]?: boolean };
    if (tagged[INSTRUMENTED]) return runner;
    tagged[INSTRUMENTED] = true;
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    (runner as { query: unknown }).query = async (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      const operation = operationOf(String(args[0] ?? ''));
      try {
        const out = await query(...args);
        this.child(operation, 'ok').observe(seconds());
        return out;
      } catch (err) {
        this.child(operation, 'error').observe(seconds());
        throw err;
      }
    };
    return runner;
  }

  private child(operation: string, result: 'ok' | 'error'): { observe(seconds: number): void } {
    const key = `${operation}:${result}`;
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = this.statements.labels({ operation, result })));
    return child;
  }
}
