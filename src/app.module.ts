import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { buildDataSourceOptions } from './database/database.options';
import { createMigratedDataSource } from './database/migrate';
import { SqlitePragmas } from './database/sqlite-pragmas';
import { createLogging, HTTP_LOGGER } from './common/logging/logger.options';
import { EventsModule } from './events/events.module';
import { MetricsModule } from './metrics/metrics.module';
import { AuditModule } from './audit/audit.module';
import { AuditFinalFlush } from './audit/audit-final-flush';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { AdminModule } from './admin/admin.module';
import { EntriesModule } from './entries/entries.module';
import { ConversationsModule } from './conversations/conversations.module';
import { GatewaysModule } from './gateways/gateways.module';
import { ScaleoutModule } from './scaleout/scaleout.module';
import { DemoModule } from './demo/demo.module';
import { RetentionModule } from './retention/retention.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logDestination?: NodeJS.WritableStream): DynamicModule {
    const logging = createLogging(config, logDestination);
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot(logging.params),
        TypeOrmModule.forRootAsync({
          useFactory: () => buildDataSourceOptions(config.database),
          dataSourceFactory: (options) => createMigratedDataSource(options!),
        }),
        EventsModule,
        MetricsModule,
        AuditModule,
        AuthModule,
        EntriesModule,
        ConversationsModule,
        GatewaysModule,
        ScaleoutModule.forRoot(config),
        AdminModule,
        HealthModule,
        DemoModule.forRoot(config),
        RetentionModule,
      ],
      // AuditFinalFlush here, not in AuditModule: its shutdown hook must run before TypeORM's (see the class).
      providers: [SqlitePragmas, AuditFinalFlush, { provide: HTTP_LOGGER, useValue: logging.http }],
    };
  }
}
