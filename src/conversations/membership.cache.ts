import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { MaybePromise } from '../common/util/maybe-promise';
import { DomainEvents } from '../events/domain-events';

const MAX_ENTRIES = 200_000;

/**
 * Remembers "is user U a member of conversation C" once the repository has
 * answered, so a socket's connect-time ownership check costs no query once
 * warm. Membership changes (local, or relayed from other instances) drop the
 * entry. Storing a message still checks membership in its own transaction.
 */
@Injectable()
export class MembershipCache implements OnModuleDestroy {
  private readonly known = new Map<string, boolean>();
  private readonly unsubscribe: Array<() => void>;

  constructor(events: DomainEvents) {
    const forget = ({ conversationId, userId }: { conversationId: string; userId: string }) => this.known.delete(key(conversationId, userId));
    this.unsubscribe = [events.on('member.added', forget), events.on('member.removed', forget)];
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((off) => off());
  }

  /** From memory, synchronously, once a positive answer is known; otherwise `load()`'s answer. */
  isMember(conversationId: string, userId: string, load: () => Promise<boolean>): MaybePromise<boolean> {
    const k = key(conversationId, userId);
    const cached = this.known.get(k);
    if (cached !== undefined) return cached;
    return load().then((member) => {
      // Only positive answers: a "no" may become "yes" on another instance before its event arrives here.
      if (member) {
        if (this.known.size >= MAX_ENTRIES) this.known.delete(this.known.keys().next().value as string);
        this.known.set(k, true);
      }
      return member;
    });
  }
}

const key = (conversationId: string, userId: string) => `${conversationId}:${userId}`;
