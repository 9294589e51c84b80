import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { newId } from '../common/util/ids';

@Entity('api_keys')
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Column({ type: 'varchar', length: 100 }) name: string;
  /** The first characters of the secret, to tell keys apart in a list; not enough to use. */
  @Column({ type: 'varchar', length: 16 }) prefix: string;
  @Column({ name: 'key_hash', type: 'varchar', length: 64, unique: true }) keyHash: string;
  @Column({ name: 'created_by', type: 'varchar', length: 36 }) createdBy: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
  @Column({ name: 'last_used_at', type: Date, nullable: true }) lastUsedAt: Date | null;
  @Column({ name: 'revoked_at', type: Date, nullable: true }) revokedAt: Date | null;
}
