import { Module } from '@nestjs/common';
import { ConversationsModule } from '../conversations/conversations.module';
import { EntriesModule } from '../entries/entries.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { ChatDeliveryService } from './chat-delivery.service';
import { ConversationsGateway } from './conversations.gateway';
import { LiveListenerGateway } from './live-listener.gateway';
import { ReflectionProvider, TextReflectionProvider } from './reflection.provider';
import { ReflectionsGateway } from './reflections.gateway';

/** The WebSocket endpoints: one @WebSocketGateway class each, their guards beside them in guards/. */
@Module({
  imports: [RealtimeModule, ConversationsModule, EntriesModule],
  providers: [
    ChatDeliveryService, ConversationsGateway, ReflectionsGateway, LiveListenerGateway,
    { provide: ReflectionProvider, useClass: TextReflectionProvider },
  ],
  exports: [ChatDeliveryService],
})
export class GatewaysModule {}
