import { UseGuards } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { ConversationsService } from '../conversations/conversations.service';
import { Connection } from '../realtime/connection';
import { CLIENT_FRAME } from '../realtime/frame-types';
import { ChatPayload, ResumePayload } from '../realtime/frame-validation';
import { FrameId, Pipelined } from '../realtime/nest/ws-decorators';
import { RealtimeGateway } from '../realtime/nest/realtime.gateway';
import { ChatDeliveryService } from './chat-delivery.service';
import { ActiveUserGuard } from './guards/active-user.guard';
import { ConversationMemberGuard } from './guards/conversation-member.guard';
import { UserCredentialGuard } from './guards/user-credential.guard';

/** /ws/conversations/:conversationId — live chat among members; stored before acked; resumable. */
@WebSocketGateway({ path: '/ws/conversations/:conversationId' })
@UseGuards(UserCredentialGuard, ActiveUserGuard, ConversationMemberGuard)
export class ConversationsGateway extends RealtimeGateway {
  constructor(private readonly conversations: ConversationsService, private readonly delivery: ChatDeliveryService) {
    super();
  }

  /** Acked only once stored; a resent id is not stored twice. Pipelined: postMessage queues into the writer at once, acks follow its order. */
  @SubscribeMessage(CLIENT_FRAME.CHAT_MESSAGE)
  @Pipelined()
  async chat(@ConnectedSocket() conn: Connection, @FrameId() id: string, @MessageBody('payload') body: ChatPayload): Promise<void> {
    const { message, duplicate } = await this.conversations.postMessage({
      conversationId: conn.resource.conversationId, authorId: conn.userId!, clientMsgId: id, content: body.content,
    });
    // Sent here rather than returned: the ack must leave before the fan-out, so the sender sees it before its own chat_message.
    conn.send('ack', { refId: id, messageId: message.messageId, seq: message.seq }, id);
    if (!duplicate) this.delivery.publish(message);
  }

  /** A `resume` holds live messages back from its arrival on, not only once its guards have passed: the replay goes first. */
  override frameArrived(conn: Connection, type: string): (() => void) | undefined {
    return type === CLIENT_FRAME.RESUME ? this.delivery.holdForResume(conn) : undefined;
  }

  /** Replays what the client missed, in order, before live messages. */
  @SubscribeMessage(CLIENT_FRAME.RESUME)
  async resume(@ConnectedSocket() conn: Connection, @MessageBody('payload') body: ResumePayload): Promise<void> {
    const conversationId = conn.resource.conversationId;
    await this.delivery.resume(conn, body.afterSeq, (after, limit) => this.conversations.messagesAfter(conversationId, after, limit));
  }
}
