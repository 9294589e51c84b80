import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { MessageView } from '../conversations/conversation.views';
import { DomainEventMap, DomainEventName, DomainEvents } from '../events/domain-events';
import { ChatDeliveryService } from '../gateways/chat-delivery.service';
import { adminClose } from '../realtime/close-codes';
import { SessionLifecycleService } from '../realtime/session/session-lifecycle.service';
import { BusMessage, RedisBus } from './redis-bus';

const EVENT_NAMES: ReadonlySet<string> = new Set<DomainEventName>([
  'session.revoked', 'user.deactivated', 'user.changed', 'member.added', 'member.removed', 'entry.deleted', 'api_key.revoked',
]);

/**
 * Connects this instance's in-process seams to the bus: every domain event and
 * every stored chat message goes out to the other instances, and what they
 * send is replayed here through the local-only paths (emitLocal, deliverLocal),
 * so nothing is relayed twice. Admin close commands addressed here run here.
 */
@Injectable()
export class ScaleoutRelayService implements OnModuleInit {
  private readonly logger = new Logger('ScaleoutRelay');

  constructor(
    private readonly bus: RedisBus,
    private readonly events: DomainEvents,
    private readonly delivery: ChatDeliveryService,
    private readonly lifecycle: SessionLifecycleService,
  ) {}

  onModuleInit(): void {
    this.events.setRelay({ publish: (name, payload) => this.bus.publish({ kind: 'event', name, payload }) });
    this.delivery.setRelay((message) => this.bus.publish({ kind: 'chat', message }));
    this.bus.onMessage((m) => this.receive(m));
  }

  private receive(m: BusMessage): void {
    switch (m.kind) {
      case 'event':
        if (!EVENT_NAMES.has(m.name)) return this.logger.warn({ name: m.name }, 'unknown relayed event dropped');
        return this.events.emitLocal(m.name as DomainEventName, m.payload as DomainEventMap[DomainEventName]);
      case 'chat':
        return this.delivery.deliverLocal(m.message as MessageView);
      case 'close':
        if (m.target === this.bus.instanceId) this.lifecycle.closeById(m.connectionId, adminClose(m.code), m.adminId);
        return;
    }
  }
}
