import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { newId } from '../common/util/ids';

@Entity('entries')
export class Entry {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id: string = newId();
  @Index() @Column({ name: 'owner_id', type: 'varchar', length: 36 }) ownerId: string;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'text' }) content: string;
  @CreateDateColumn({ name: 'created_at' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at' }) updatedAt: Date;
}
