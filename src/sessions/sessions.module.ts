import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { RefreshToken, Session, WsTicket } from './session.entity';
import { SessionStateCache } from './session-state.cache';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([Session, RefreshToken, WsTicket]), UsersModule],
  providers: [SessionsRepository, SessionsService, SessionStateCache],
  exports: [SessionsService, SessionStateCache],
})
export class SessionsModule {}
