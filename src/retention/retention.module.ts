import { Module } from '@nestjs/common';
import { RetentionScheduler } from './retention.scheduler';

/** SessionsService comes from the global AuthModule, AuditService from AuditModule. */
@Module({ providers: [RetentionScheduler], exports: [RetentionScheduler] })
export class RetentionModule {}
