import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ConnectionCloser } from './connection-closer';
import { ConnectionDirectory } from './connection-directory';
import { ConnectionRegistry } from './connection-registry';
import { HandshakeAuthenticator } from './handshake-authenticator';
import { HandshakeRunner } from './nest/handshake-runner';
import { WsPolicyFilter } from './nest/ws-policy.filter';
import { RealtimeMetrics } from './realtime.metrics';
import { SessionLifecycleService } from './session/session-lifecycle.service';

/**
 * What every WebSocket endpoint shares: the connection registry, the handshake
 * runner our adapter (nest/portcullis-ws.adapter.ts) calls, the one filter,
 * closes, and the session service. Gateways import this module.
 */
@Module({
  imports: [ApiKeysModule],
  providers: [
    ConnectionRegistry, ConnectionDirectory, ConnectionCloser, HandshakeAuthenticator, HandshakeRunner, RealtimeMetrics,
    SessionLifecycleService, WsPolicyFilter,
  ],
  exports: [
    ConnectionRegistry, ConnectionDirectory, ConnectionCloser, HandshakeAuthenticator, HandshakeRunner, RealtimeMetrics,
    SessionLifecycleService, WsPolicyFilter,
  ],
})
export class RealtimeModule {}
