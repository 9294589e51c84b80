import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { newId } from '../common/util/ids';

export type Role = 'user' | 'admin';
export const ROLES: Role[] = ['user', 'admin'];

@Entity('users')
export class User {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Column({ type: 'varchar', length: 320, unique: true }) email: string;
  @Column({ name: 'password_hash', type: 'varchar', length: 255 }) passwordHash: string;
  @Column({ name: 'display_name', type: 'varchar', length: 100, nullable: true }) displayName: string | null;
  @Column({ type: 'varchar', length: 16, default: 'user' }) role: Role;
  @Column({ type: 'boolean', default: true }) active: boolean;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at' }) updatedAt: Date;
}
