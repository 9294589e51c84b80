import { ApiKey } from '../api-keys/api-key.entity';
import { AuditEvent } from '../audit/audit-event.entity';
import { Conversation, ConversationMember, Message } from '../conversations/conversation.entity';
import { Entry } from '../entries/entry.entity';
import { RefreshToken, Session, WsTicket } from '../sessions/session.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [User, Session, RefreshToken, WsTicket, Entry, Conversation, ConversationMember, Message, ApiKey, AuditEvent];
