import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { newId } from '../common/util/ids';

@Entity('conversations')
export class Conversation {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Index() @Column({ name: 'owner_id', type: 'varchar', length: 36 }) ownerId: string;
  @Column({ type: 'varchar', length: 200 }) title: string;
  /** The last `seq` handed out; bumped in the same transaction that stores a message. */
  @Column({ name: 'last_seq', type: 'integer', default: 0 }) lastSeq: number;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
}

@Entity('conversation_members')
export class ConversationMember {
  @PrimaryColumn({ name: 'conversation_id', type: 'varchar', length: 36 }) conversationId: string;
  @Index() @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  @CreateDateColumn({ name: 'added_at' }) addedAt: Date;
}

@Entity('messages')
@Unique('uq_messages_conversation_seq', ['conversationId', 'seq'])
@Unique('uq_messages_client_id', ['conversationId', 'authorId', 'clientMsgId'])
export class Message {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Column({ name: 'conversation_id', type: 'varchar', length: 36 }) conversationId: string;
  @Column({ type: 'integer' }) seq: number;
  @Column({ name: 'author_id', type: 'varchar', length: 36 }) authorId: string;
  @Column({ name: 'client_msg_id', type: 'varchar', length: 128 }) clientMsgId: string;
  @Column({ type: 'text' }) content: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
}
