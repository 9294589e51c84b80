import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * Everything that must reach live sockets. Emitted by services after the change
 * is committed; the realtime layer subscribes (and, scaled out, relays through Redis).
 */
export interface DomainEventMap {
  'session.revoked': { sessionId: string; userId: string; reason: 'logout' | 'admin' | 'refresh_reuse' | 'expired' };
  'user.deactivated': { userId: string };
  'user.changed': { userId: string };
  'member.added': { conversationId: string; userId: string };
  'member.removed': { conversationId: string; userId: string };
  'entry.deleted': { entryId: string; ownerId: string };
  'api_key.revoked': { apiKeyId: string };
}
export type DomainEventName = keyof DomainEventMap;

/** Carries an event to the other instances (the Redis bus when REDIS_URL is set). */
export interface DomainEventRelay {
  publish<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void;
}

@Injectable()
export class DomainEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(50);
  private relay?: DomainEventRelay;

  /** Local listeners first, then every other instance. */
  emit<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    this.emitLocal(name, payload);
    this.relay?.publish(name, payload);
  }

  /** This instance's listeners only: what the relay calls for an event another instance emitted. */
  emitLocal<K extends DomainEventName>(name: K, payload: DomainEventMap[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends DomainEventName>(name: K, listener: (payload: DomainEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  setRelay(relay: DomainEventRelay | undefined): void {
    this.relay = relay;
  }
}
