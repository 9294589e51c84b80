import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { newId } from '../common/util/ids';

@Entity('sessions')
export class Session {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Index() @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
  /** Absolute end of the session: the refresh token's lifetime. */
  @Index('idx_sessions_expires_at') @Column({ name: 'expires_at', type: Date }) expiresAt: Date;
  @Column({ name: 'revoked_at', type: Date, nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoked_reason', type: 'varchar', length: 64, nullable: true }) revokedReason: string | null;
  /** The revocation's place in the feed other instances read (see migration RevocationFeed); null while live. */
  @Index() @Column({ name: 'revocation_seq', type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) } })
  revocationSeq: number | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip: string | null;
  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true }) userAgent: string | null;
}

@Entity('refresh_tokens')
export class RefreshToken {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Index() @Column({ name: 'session_id', type: 'varchar', length: 36 }) sessionId: string;
  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true }) tokenHash: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
  @Index('idx_refresh_tokens_expires_at') @Column({ name: 'expires_at', type: Date }) expiresAt: Date;
  @Column({ name: 'used_at', type: Date, nullable: true }) usedAt: Date | null;
  /** The pair this token was exchanged for, sealed for the token's holder (REFRESH_REUSE_GRACE_S); null without a grace. */
  @Column({ name: 'replay', type: 'text', nullable: true }) replay: string | null = null;
}

@Entity('ws_tickets')
export class WsTicket {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true }) tokenHash: string;
  @Column({ name: 'session_id', type: 'varchar', length: 36 }) sessionId: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
  @Index() @Column({ name: 'expires_at', type: Date }) expiresAt: Date;
  /** The expiry of the access token that asked for the ticket: a socket opened with it lives no longer. */
  @Column({ name: 'auth_expires_at', type: Date }) authExpiresAt: Date;
  @Column({ name: 'used_at', type: Date, nullable: true }) usedAt: Date | null;
}
