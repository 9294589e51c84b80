import { Injectable } from '@nestjs/common';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { andThen, MaybePromise } from '../common/util/maybe-promise';
import { DomainEvents } from '../events/domain-events';
import { UsersService } from '../users/users.service';
import { Conversation } from './conversation.entity';
import {
  ConversationView, MemberView, MessageView, toConversationView, toMemberView, toMessageView,
} from './conversation.views';
import { ConversationsRepository } from './conversations.repository';
import { MessagesRepository } from './messages.repository';
import { MembershipCache } from './membership.cache';

/** The contract's limit for a chat message, counted in characters (Unicode code points). */
export const MESSAGE_MAX_CHARS = 4000;
export const CLIENT_MSG_ID_MAX = 128;
export const HISTORY_MAX_LIMIT = 500;

export type ConversationAccess = 'ok' | 'missing' | 'forbidden';

export interface PostMessageInput {
  conversationId: string;
  authorId: string;
  /** The client frame's `id`: a resend with the same id is answered with the first message. */
  clientMsgId: string;
  content: string;
}

@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
    private readonly users: UsersService,
    private readonly events: DomainEvents,
    private readonly membership: MembershipCache,
  ) {}

  async create(ownerId: string, title: string): Promise<ConversationView> {
    return toConversationView(await this.conversations.insertWithOwner(ownerId, title));
  }

  async listForMember(userId: string): Promise<ConversationView[]> {
    return (await this.conversations.listForMember(userId)).map(toConversationView);
  }

  async get(conversationId: string, userId: string): Promise<ConversationView & { members: MemberView[] }> {
    const conversation = await this.requireMember(conversationId, userId);
    const members = await this.conversations.listMembers(conversationId);
    return { ...toConversationView(conversation), members: members.map(toMemberView) };
  }

  /** Owner only, by user id or email. Idempotent: adding a current member changes nothing and reports `added: false`. */
  async addMember(conversationId: string, callerId: string, who: { userId?: string; email?: string }): Promise<MemberView & { added: boolean }> {
    if (who.userId !== undefined && who.email !== undefined) throw new InvalidInputError('email', 'Give userId or email, not both');
    await this.requireOwner(conversationId, callerId);
    const user = who.userId !== undefined ? await this.users.get(who.userId) : await this.users.findByEmail(who.email ?? '');
    if (!user) throw new NotFoundError('User');
    const userId = user.id;
    const { member, added } = await this.conversations.addMember(conversationId, userId);
    if (added) this.events.emit('member.added', { conversationId, userId });
    return { ...toMemberView(member), added };
  }

  /** Owner only; announced after the delete so the member's live sockets close 4003. */
  async removeMember(conversationId: string, callerId: string, userId: string): Promise<void> {
    const conversation = await this.requireOwner(conversationId, callerId);
    if (userId === conversation.ownerId) throw new InvalidInputError('userId', 'The owner cannot be removed from their own conversation');
    if (!(await this.conversations.removeMember(conversationId, userId))) throw new NotFoundError('Member');
    this.events.emit('member.removed', { conversationId, userId });
  }

  /** REST history: members only, like every other read. */
  async history(conversationId: string, userId: string, afterSeq: number, limit: number): Promise<MessageView[]> {
    await this.requireMember(conversationId, userId);
    return this.messagesAfter(conversationId, afterSeq, limit);
  }

  /** For the chat gateway: 4004 on 'missing', 4003 on 'forbidden'. */
  /** Synchronous once the membership is known in memory (a socket's usual connect). */
  access(conversationId: string, userId: string): MaybePromise<ConversationAccess> {
    // Not `async`: a member known in memory is answered at once, with no promise for the guard to wait on.
    return andThen(this.membership.isMember(conversationId, userId, () => this.conversations.isMember(conversationId, userId)), (member) => {
      if (member) return 'ok';
      return this.conversations.findById(conversationId).then((found) => (found ? 'forbidden' : 'missing'));
    });
  }

  isMember(conversationId: string, userId: string): Promise<boolean> {
    return this.conversations.isMember(conversationId, userId);
  }

  /**
   * Stores a chat message and resolves once it is committed, so the caller may
   * ack. A resend (same conversation, author and clientMsgId) is not stored
   * again: it resolves with the first message and `duplicate: true`, whatever
   * content the resend carried. Throws NotFoundError / ForbiddenError when the
   * conversation is missing or the author is not (or no longer) a member.
   */
  async postMessage(input: PostMessageInput): Promise<{ message: MessageView; duplicate: boolean }> {
    validateMessage(input);
    const result = await this.messages.append(input);
    switch (result.kind) {
      case 'missing': throw new NotFoundError('Conversation');
      case 'forbidden': throw new ForbiddenError('Not a member of this conversation');
      case 'duplicate': return { message: toMessageView(result.message), duplicate: true };
      case 'stored': return { message: toMessageView(result.message), duplicate: false };
    }
  }

  /** Ascending seq, strictly after `afterSeq`; no membership check (callers have done it). */
  async messagesAfter(conversationId: string, afterSeq: number, limit: number): Promise<MessageView[]> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) throw new InvalidInputError('afterSeq', 'afterSeq must be an integer >= 0');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > HISTORY_MAX_LIMIT) {
      throw new InvalidInputError('limit', `limit must be an integer between 1 and ${HISTORY_MAX_LIMIT}`);
    }
    return (await this.messages.listAfter(conversationId, afterSeq, limit)).map(toMessageView);
  }

  /** Non-members see a conversation exactly as if it did not exist. */
  private async requireMember(conversationId: string, userId: string): Promise<Conversation> {
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation || !(await this.conversations.isMember(conversationId, userId))) throw new NotFoundError('Conversation');
    return conversation;
  }

  /** 404 for outsiders (as everywhere), 403 for members who are not the owner. */
  private async requireOwner(conversationId: string, userId: string): Promise<Conversation> {
    const conversation = await this.requireMember(conversationId, userId);
    if (conversation.ownerId !== userId) throw new ForbiddenError('Only the conversation owner can change its members');
    return conversation;
  }
}

function validateMessage(input: PostMessageInput): void {
  const { clientMsgId, content } = input;
  if (typeof clientMsgId !== 'string' || clientMsgId.length < 1 || clientMsgId.length > CLIENT_MSG_ID_MAX) {
    throw new InvalidInputError('id', `id must be a string of 1 to ${CLIENT_MSG_ID_MAX} characters`);
  }
  // Code points, not UTF-16 units: an emoji counts as one character.
  const chars = typeof content === 'string' ? [...content].length : 0;
  if (chars < 1 || chars > MESSAGE_MAX_CHARS) {
    throw new InvalidInputError('content', `content must be 1 to ${MESSAGE_MAX_CHARS} characters`);
  }
}
