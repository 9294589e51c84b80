import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { AdminApiKeysController } from './admin-api-keys.controller';
import { AdminAuditController } from './admin-audit.controller';
import { AdminConnectionsController } from './admin-connections.controller';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminUsersController } from './admin-users.controller';

/**
 * Admin REST only: controllers that call feature services. UsersService and
 * SessionsService come from the global AuthModule, AuditService from AuditModule.
 */
@Module({
  imports: [ApiKeysModule, RealtimeModule],
  controllers: [AdminUsersController, AdminSessionsController, AdminApiKeysController, AdminAuditController, AdminConnectionsController],
})
export class AdminModule {}
