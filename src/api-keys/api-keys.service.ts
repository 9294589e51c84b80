import { Injectable, Logger } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-errors';
import { newOpaqueSecret, sha256Hex } from '../common/util/ids';
import { AuditService } from '../audit/audit.service';
import { DomainEvents } from '../events/domain-events';
import { ApiKey } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';

/** How a key is listed: never the secret, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Returned by create only: the one moment the secret exists outside the caller's hands. */
export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  secret: string;
}

const SECRET_PREFIX = 'pk_';
/** Enough to tell keys apart in a list ('pk_' + 7 random chars, ~42 bits), far too little to guess the rest. */
const DISPLAY_PREFIX_LENGTH = 10;
/** Real keys are ~46 chars; anything much longer is not worth hashing. */
const MAX_SECRET_LENGTH = 200;

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/** Service keys for /ws/live-listener: issued by admins, stored only as a SHA-256 hash. */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly repo: ApiKeysRepository,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
  ) {}

  async create(name: string, createdBy: string): Promise<CreatedApiKey> {
    const secret = newOpaqueSecret(SECRET_PREFIX);
    const key = await this.repo.insert({ name, prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH), keyHash: sha256Hex(secret), createdBy });
    await this.audit.record('api_key_created', { userId: createdBy, detail: { apiKeyId: key.id, name } });
    return { id: key.id, name: key.name, prefix: key.prefix, createdAt: iso(key.createdAt)!, secret };
  }

  /** Active keys only: a revoked key is gone as far as an operator is concerned. */
  async list(): Promise<ApiKeyView[]> {
    return (await this.repo.listActive()).map(toView);
  }

  /** Revokes a key; live-listener sockets using it close through the 'api_key.revoked' event. */
  async revoke(id: string, actorId?: string): Promise<void> {
    if (!(await this.repo.revoke(id))) throw new NotFoundError('API key');
    this.events.emit('api_key.revoked', { apiKeyId: id });
    await this.audit.record('api_key_revoked', { userId: actorId ?? null, detail: { apiKeyId: id } });
  }

  /** Resolves a presented secret; null when unknown or revoked. Never throws for bad input. */
  async verify(secret: string): Promise<{ apiKeyId: string; name: string } | null> {
    if (typeof secret !== 'string' || !secret.startsWith(SECRET_PREFIX) || secret.length > MAX_SECRET_LENGTH) return null;
    const key = await this.repo.findByHash(sha256Hex(secret));
    if (!key || key.revokedAt) return null;
    // A bookkeeping write must not hold up (or fail) the socket handshake.
    this.repo.touch(key.id, new Date()).catch((err) => this.logger.warn({ err, apiKeyId: key.id }, 'could not record API key use'));
    return { apiKeyId: key.id, name: key.name };
  }

  /** For sockets that outlive a revocation broadcast they missed (e.g. a re-check on a timer). */
  async isActive(apiKeyId: string): Promise<boolean> {
    const key = await this.repo.findById(apiKeyId);
    return Boolean(key && !key.revokedAt);
  }
}

function toView(k: ApiKey): ApiKeyView {
  return { id: k.id, name: k.name, prefix: k.prefix, createdBy: k.createdBy, createdAt: iso(k.createdAt)!, lastUsedAt: iso(k.lastUsedAt) };
}
