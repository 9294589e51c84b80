import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Entry } from './entry.entity';

export type EntryPatch = Partial<Pick<Entry, 'title' | 'content'>>;

/**
 * The only place that queries entries. Every read and write that starts from a
 * user names the owner in its WHERE clause, so "not yours" cannot slip through
 * a forgotten check in a caller.
 */
@Injectable()
export class EntriesRepository {
  constructor(@InjectRepository(Entry) private readonly repo: Repository<Entry>) {}

  findOwned(id: string, ownerId: string): Promise<Entry | null> {
    return this.repo.findOneBy({ id, ownerId });
  }

  /** Unscoped on purpose: only to tell "missing" from "forbidden" for the WebSocket close code. */
  findOwnerId(id: string): Promise<string | null> {
    return this.repo.findOne({ where: { id }, select: { id: true, ownerId: true } }).then((e) => e?.ownerId ?? null);
  }

  listOwned(ownerId: string, page: { limit: number; offset: number }): Promise<Entry[]> {
    return this.repo.find({ where: { ownerId }, order: { createdAt: 'DESC', id: 'ASC' }, take: page.limit, skip: page.offset });
  }

  insert(entry: Pick<Entry, 'ownerId' | 'title' | 'content'>): Promise<Entry> {
    return this.repo.save(this.repo.create(entry), { transaction: false }); // see UsersRepository.insert
  }

  /** Null when there is no such entry of this owner. */
  async update(id: string, ownerId: string, patch: EntryPatch): Promise<Entry | null> {
    if (Object.keys(patch).length > 0) {
      const res = await this.repo.update({ id, ownerId }, patch);
      if (!res.affected) return null;
    }
    return this.findOwned(id, ownerId);
  }

  /** True when a row of this owner was deleted. */
  async delete(id: string, ownerId: string): Promise<boolean> {
    const res = await this.repo.delete({ id, ownerId });
    return Boolean(res.affected);
  }
}
