import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ConflictError, NotFoundError } from '../common/errors/domain-errors';
import { DomainEvents } from '../events/domain-events';
import { AuditService } from '../audit/audit.service';
import { PasswordService } from './password.service';
import { Role, User } from './user.entity';
import { UserFilter, UsersRepository } from './users.repository';

/** What a user looks like outside the service: never the hash. */
export interface PublicUser {
  id: string;
  email: string;
  displayName: string | null;
  role: Role;
  active: boolean;
  createdAt: string;
}

export const toPublicUser = (u: User): PublicUser => ({
  id: u.id, email: u.email, displayName: u.displayName, role: u.role, active: u.active, createdAt: new Date(u.createdAt).toISOString(),
});

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD, once: an existing
   * account is left as it is (`create` refuses it before hashing), including
   * one that another instance starting at the same moment created first (the
   * unique index decides).
   */
  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.config.app;
    if (!adminEmail || !adminPassword) return;
    try {
      await this.create({ email: adminEmail, password: adminPassword, displayName: 'Administrator' }, 'admin');
    } catch (err) {
      if (err instanceof ConflictError) return;
      throw err;
    }
    this.logger.log({ email: adminEmail }, 'created the first admin user');
  }

  async create(input: { email: string; password: string; displayName?: string }, role: Role = 'user'): Promise<User> {
    if (await this.users.findByEmail(input.email)) throw new ConflictError('Email already registered');
    const passwordHash = await this.passwords.hash(input.password);
    try {
      return await this.users.insert({ email: input.email, passwordHash, displayName: input.displayName ?? null, role });
    } catch (err) {
      // Two registrations racing for one email: the unique index decides.
      if (await this.users.findByEmail(input.email)) throw new ConflictError('Email already registered');
      throw err;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(email);
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundError('User');
    return user;
  }

  async list(filter: UserFilter, limit = 100, offset = 0): Promise<{ items: PublicUser[]; total: number; limit: number; offset: number }> {
    const [users, total] = await this.users.page(filter, limit, offset);
    return { items: users.map(toPublicUser), total, limit, offset };
  }

  /** Admin change; deactivation is announced so live sockets close 4002. `adminId` is who made it, for the audit trail. */
  async update(id: string, patch: { active?: boolean; role?: Role }, adminId?: string): Promise<User> {
    const before = await this.get(id);
    const after = (await this.users.update(id, patch))!;
    await this.audit.record('admin_update_user', { userId: id, detail: { by: adminId ?? null, active: after.active, role: after.role } });
    this.events.emit('user.changed', { userId: id });
    if (before.active && !after.active) this.events.emit('user.deactivated', { userId: id });
    return after;
  }
}
