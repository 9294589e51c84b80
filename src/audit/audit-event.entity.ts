import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { newTimeOrderedId } from '../common/util/ids';

@Entity('audit_events')
export class AuditEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newTimeOrderedId();
  @Index() @Column({ type: 'varchar', length: 64 }) type: string;
  @Index() @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true }) userId: string | null;
  @Column({ name: 'session_id', type: 'varchar', length: 36, nullable: true }) sessionId: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) reason: string | null;
  /** Small JSON object of non-secret facts (method, close code, endpoint). */
  @Column({ type: 'text', nullable: true }) detail: string | null;
  @Index() @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
}
