import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { ApiKey } from './api-key.entity';

/** The only place that queries API keys. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKey) private readonly repo: Repository<ApiKey>) {}

  insert(key: Pick<ApiKey, 'name' | 'prefix' | 'keyHash' | 'createdBy'>): Promise<ApiKey> {
    return this.repo.save(this.repo.create({ ...key, lastUsedAt: null, revokedAt: null }), { transaction: false }); // see UsersRepository.insert
  }

  findById(id: string): Promise<ApiKey | null> {
    return this.repo.findOneBy({ id });
  }

  findByHash(keyHash: string): Promise<ApiKey | null> {
    return this.repo.findOneBy({ keyHash });
  }

  listActive(): Promise<ApiKey[]> {
    return this.repo.find({ where: { revokedAt: IsNull() }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  /** Returns false when the key does not exist or was already revoked. */
  async revoke(id: string): Promise<boolean> {
    const res = await this.repo.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return Boolean(res.affected);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastUsedAt: at });
  }
}
