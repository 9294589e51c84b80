import { Injectable, OnModuleInit } from '@nestjs/common';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { ConversationsService } from '../conversations/conversations.service';
import { Connection } from '../realtime/connection';
import { ClientFrame } from '../realtime/frame-validation';
import { RealtimeServer } from '../realtime/realtime.server';
import { WsGateway } from '../realtime/ws-gateway';
import { ChatDeliveryService } from './chat-delivery.service';

/** /ws/conversations/:conversationId — live chat among members; stored before acked; resumable. */
@Injectable()
export class ConversationsGateway implements WsGateway, OnModuleInit {
  readonly path = '/ws/conversations/:conversationId';
  readonly credential = 'user' as const;

  constructor(
    private readonly server: RealtimeServer,
    private readonly conversations: ConversationsService,
    private readonly delivery: ChatDeliveryService,
  ) {}

  onModuleInit(): void {
    this.server.register(this);
  }

  async authorize(conn: Connection): Promise<void> {
    const access = await this.conversations.access(conn.resource.conversationId, conn.userId!);
    if (access === 'missing') throw new NotFoundError('Conversation');
    if (access === 'forbidden') throw new ForbiddenError('Not a member of this conversation');
  }

  /** Chat messages overlap: postMessage queues into the message writer at once, and acks follow that queue's order. */
  overlaps(frame: ClientFrame): boolean {
    return frame.type === 'chat_message';
  }

  async handleFrame(conn: Connection, frame: ClientFrame): Promise<void> {
    const conversationId = conn.resource.conversationId;
    if (frame.type === 'chat_message') {
      const { message, duplicate } = await this.conversations.postMessage({
        conversationId, authorId: conn.userId!, clientMsgId: frame.id, content: frame.payload.content,
      });
      conn.send('ack', { refId: frame.id, messageId: message.messageId, seq: message.seq }, frame.id);
      if (!duplicate) this.delivery.publish(message);
      return;
    }
    if (frame.type === 'resume') {
      await this.delivery.resume(conn, frame.payload.afterSeq, (after, limit) => this.conversations.messagesAfter(conversationId, after, limit));
      return;
    }
    throw new InvalidInputError('type', `${frame.type} is not accepted on a conversation`);
  }
}
