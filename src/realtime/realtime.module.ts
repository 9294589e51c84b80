import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ConnectionDirectory } from './connection-directory';
import { ConnectionRegistry } from './connection-registry';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { RealtimeMetrics } from './realtime.metrics';
import { RealtimeServer } from './realtime.server';
import { SessionLifecycleService } from './session-lifecycle.service';

/** The WebSocket adapter and what every endpoint shares; gateways register themselves with RealtimeServer. */
@Module({
  imports: [ApiKeysModule],
  providers: [RealtimeServer, ConnectionRegistry, ConnectionDirectory, HandshakeAuthenticator, RealtimeMetrics, SessionLifecycleService],
  exports: [RealtimeServer, ConnectionRegistry, ConnectionDirectory, SessionLifecycleService],
})
export class RealtimeModule {}
