import { isoTime } from '../common/util/iso-time';
import { Conversation, ConversationMember, Message } from './conversation.entity';

/** A conversation as REST shows it. */
export interface ConversationView {
  id: string;
  title: string;
  ownerId: string;
  /** The newest message's seq (0 when empty): a client compares it with what it holds. */
  lastSeq: number;
  createdAt: string;
}

export interface MemberView {
  conversationId: string;
  userId: string;
  addedAt: string;
}

/** Exactly the payload of the contract's `chat_message` frame, so the gateway sends it as is. */
export interface MessageView {
  messageId: string;
  seq: number;
  conversationId: string;
  authorId: string;
  content: string;
  createdAt: string;
}

const iso = (d: Date | string): string => isoTime(typeof d === 'string' ? Date.parse(d) : d);

export const toConversationView = (c: Conversation): ConversationView => ({
  id: c.id, title: c.title, ownerId: c.ownerId, lastSeq: c.lastSeq, createdAt: iso(c.createdAt),
});

export const toMemberView = (m: ConversationMember): MemberView => ({
  conversationId: m.conversationId, userId: m.userId, addedAt: iso(m.addedAt),
});

export const toMessageView = (m: Message): MessageView => ({
  messageId: m.id, seq: m.seq, conversationId: m.conversationId, authorId: m.authorId, content: m.content, createdAt: iso(m.createdAt),
});
