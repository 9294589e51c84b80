import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Role, User } from './user.entity';

export interface UserFilter { email?: string; active?: boolean }

/** The only place that queries users. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly repo: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.repo.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.repo.findOneBy({ email: email.toLowerCase() });
  }

  insert(user: Pick<User, 'email' | 'passwordHash' | 'displayName' | 'role'>): Promise<User> {
    // One INSERT needs no transaction; save()'s own would open outside the SQLite transaction queue (database/transactions.ts) and collide.
    return this.repo.save(this.repo.create({ ...user, email: user.email.toLowerCase(), active: true }), { transaction: false });
  }

  /** Oldest first, one page, with the number of users matching the filter. */
  page(filter: UserFilter, limit: number, offset: number): Promise<[User[], number]> {
    const qb = this.repo.createQueryBuilder('u').orderBy('u.createdAt', 'ASC').addOrderBy('u.id', 'ASC').take(limit).skip(offset);
    // Emails are stored lower-cased; % and _ in the search text match themselves.
    if (filter.email) qb.andWhere("u.email LIKE :email ESCAPE '\\'", { email: `%${filter.email.toLowerCase().replace(/[\\%_]/g, '\\$&')}%` });
    if (filter.active !== undefined) qb.andWhere('u.active = :active', { active: filter.active });
    return qb.getManyAndCount();
  }

  async update(id: string, patch: { active?: boolean; role?: Role }): Promise<User | null> {
    // Only the fields given: TypeORM refuses an UPDATE with no values (an empty PATCH is a no-op).
    const values = Object.fromEntries(Object.entries({ active: patch.active, role: patch.role }).filter(([, v]) => v !== undefined));
    if (Object.keys(values).length) await this.repo.update({ id }, values);
    return this.findById(id);
  }
}
