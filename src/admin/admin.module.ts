import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { AdminConnectionsController } from './admin-connections.controller';

@Module({ imports: [RealtimeModule], controllers: [AdminConnectionsController] })
export class AdminModule {}
