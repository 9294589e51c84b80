import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ForbiddenError, NotFoundError } from '../../common/errors/domain-errors';
import { andThen, MaybePromise } from '../../common/util/maybe-promise';
import { ConversationsService } from '../../conversations/conversations.service';
import { ResourceCheck } from '../../realtime/nest/ws-decorators';
import { wsTarget } from './ws-context';

/**
 * The socket's user is a member of `:conversationId`: 4004 when it does not
 * exist, 4003 when they are not a member. Removal closes the socket by event,
 * and storing a message re-checks membership in its own transaction.
 */
@Injectable()
@ResourceCheck()
export class ConversationMemberGuard implements CanActivate {
  constructor(private readonly conversations: ConversationsService) {}

  canActivate(ctx: ExecutionContext): MaybePromise<boolean> {
    const { conn, handshake } = wsTarget(ctx);
    if (!handshake) return true;
    return andThen(this.conversations.access(handshake.params.conversationId, conn.userId!), (access) => {
      if (access === 'missing') throw new NotFoundError('Conversation');
      if (access === 'forbidden') throw new ForbiddenError('Not a member of this conversation');
      return true;
    });
  }
}
