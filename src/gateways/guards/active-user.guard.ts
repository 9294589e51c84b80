import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { InactiveUserError } from '../../common/errors/domain-errors';
import { SessionStateCache } from '../../sessions/session-state.cache';
import { wsTarget } from './ws-context';

/**
 * The socket's user is still active (4002 otherwise), from memory: the
 * credential check has just loaded the fact at connect, and deactivation
 * updates it, so a frame from a deactivated user is refused even if the
 * close that should have followed was missed.
 */
@Injectable()
export class ActiveUserGuard implements CanActivate {
  constructor(private readonly sessions: SessionStateCache) {}

  canActivate(ctx: ExecutionContext): boolean {
    const { conn } = wsTarget(ctx);
    if (conn.auth?.kind === 'user' && !this.sessions.userActive(conn.auth.userId)) throw new InactiveUserError();
    return true;
  }
}
