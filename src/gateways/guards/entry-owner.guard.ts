import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ForbiddenError, NotFoundError } from '../../common/errors/domain-errors';
import { EntriesService } from '../../entries/entries.service';
import { ResourceCheck } from '../../realtime/nest/ws-decorators';
import { wsTarget } from './ws-context';

/**
 * `:entryId` is the socket user's own entry: 4004 when there is none, 4003 when
 * it is someone else's. The entry checked is handed to the gateway in
 * `conn.context.entry`. Deletion closes the socket by event; per frame there
 * is nothing to re-check.
 */
@Injectable()
@ResourceCheck()
export class EntryOwnerGuard implements CanActivate {
  constructor(private readonly entries: EntriesService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const { conn, handshake } = wsTarget(ctx);
    if (!handshake) return true;
    const access = await this.entries.accessForStream(handshake.params.entryId, conn.userId!);
    if (access.status === 'missing') throw new NotFoundError('Entry');
    if (access.status === 'forbidden') throw new ForbiddenError('Not your entry');
    conn.context.entry = access.entry;
    return true;
  }
}
