import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

/** Applies SQLITE_SYNCHRONOUS on the (single) SQLite connection once it is open. */
@Injectable()
export class SqlitePragmas implements OnModuleInit {
  constructor(@InjectDataSource() private readonly db: DataSource, private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    if (this.db.options.type !== 'sqlite') return;
    const mode = this.config.database.sqliteSynchronous === 'normal' ? 'NORMAL' : 'FULL';
    await this.db.query(`PRAGMA synchronous = ${mode}`);
  }
}
