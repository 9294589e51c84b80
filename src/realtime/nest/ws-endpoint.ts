import { CanActivate, Type } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import type { NestContainer } from '@nestjs/core/injector/container';
import type { Module } from '@nestjs/core/injector/module';
import { GATEWAY_OPTIONS, MESSAGE_MAPPING_METADATA, MESSAGE_METADATA } from '@nestjs/websockets/constants';
import type { Connection } from '../connection';
import { createGatewayHandlers, GatewayHandler } from './gateway-handlers';
import { PIPELINED, RESOURCE_CHECK } from './ws-decorators';

/** A gateway as the adapter needs it at connect time: its class guards, split at the first resource check. */
export interface ResolvedGateway {
  instance: object;
  metatype: Type<unknown>;
  /** Guards that establish who the socket is (credential, active user): before `ready`. */
  identityGuards: CanActivate[];
  /** Ownership and membership checks: after `ready`, before any data. */
  resourceGuards: CanActivate[];
  /** Frame types whose handlers are @Pipelined(). */
  pipelined: ReadonlySet<string>;
  /** The gateway's `frameArrived` hook, bound (RealtimeGateway). */
  arrived?: (conn: Connection, type: string) => (() => void) | undefined;
  /** What `getHandler()` returns to a guard at connect time. */
  handshakeHandler: (...args: unknown[]) => unknown;
  /** Whether the gateway implements `handleDisconnect` (Nest's disconnect hook is bound per socket only then). */
  handlesDisconnect: boolean;
  /** Whether the gateway implements `handleConnection` (Nest's connection callback runs per socket only then, or with `handleDisconnect`). */
  handlesConnection: boolean;
  /** The @SubscribeMessage handlers through Nest's pipeline by frame type, made once for every socket of the gateway. */
  handlers: ReadonlyMap<string, GatewayHandler>;
}

/** One `@WebSocketGateway({ path })`: what `WsAdapter.create()` returns for it, and what the upgrade is routed by. */
export class WsEndpoint {
  gateway?: ResolvedGateway;
  /** NestJS's connection callback: runs `handleConnection` and binds the message handlers. */
  onConnection?: (...args: unknown[]) => void;
  private readonly re: RegExp;
  private readonly names: string[] = [];

  constructor(readonly path: string) {
    const pattern = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      this.names.push(name);
      return '([^/]+)';
    });
    this.re = new RegExp(`^${pattern}/?$`);
  }

  /**
   * A socket's handshake has been accepted: from here on it takes frames.
   * Nest's connection callback feeds `handleConnection`, binds the
   * disconnect hook, and binds every @SubscribeMessage handler to the socket
   * before handing them to `bindMessageHandlers`, which sets the gateway's
   * shared ones instead. For a gateway with neither hook that binding is all
   * it does, ~1.1 KiB and a few µs a connect (docs/capacity.md §1), so the
   * shared handlers are set here directly.
   */
  accepted(conn: Connection, handshake: unknown): void {
    const gateway = this.gateway!;
    if (gateway.handlesConnection || gateway.handlesDisconnect) this.onConnection!(conn, handshake);
    else conn.handlers = gateway.handlers;
  }

  /**
   * Path params (`{conversationId}`) when the path matches, else undefined (also
   * when a segment's percent-escapes are malformed). Runs on every upgrade: built
   * with a plain loop, and a segment is decoded only when it holds a `%` (without
   * one, decoding returns it unchanged): `Object.fromEntries` and a
   * `decodeURIComponent` for each segment took ~3 µs of a connect in a perf
   * profile (bench/perf-connect.js; docs/capacity.md §1).
   */
  match(pathname: string): Record<string, string> | undefined {
    const m = this.re.exec(pathname);
    if (!m) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < this.names.length; i++) {
      const raw = m[i + 1];
      if (!raw.includes('%')) params[this.names[i]] = raw;
      else {
        try {
          params[this.names[i]] = decodeURIComponent(raw);
        } catch {
          return undefined;
        }
      }
    }
    return params;
  }
}

/**
 * Finds the gateway class declared with this path, resolves its class guards
 * from its module the way Nest's own GuardsContextCreator does, and makes its
 * message handlers once for all its sockets (createGatewayHandlers).
 */
export function resolveGateway(container: NestContainer, path: string): ResolvedGateway {
  const found: Array<{ module: Module; instance: object; metatype: Type<unknown> }> = [];
  for (const module of container.getModules().values()) {
    for (const wrapper of module.providers.values()) {
      const metatype = wrapper.metatype as Type<unknown> | undefined;
      if (!metatype || !wrapper.instance || typeof metatype !== 'function') continue;
      if (Reflect.getMetadata(GATEWAY_OPTIONS, metatype)?.path === path) found.push({ module, instance: wrapper.instance as object, metatype });
    }
  }
  if (found.length !== 1) throw new Error(`expected one @WebSocketGateway with path ${path}, found ${found.length}`);
  const { module, instance, metatype } = found[0];
  const guards = ((Reflect.getMetadata(GUARDS_METADATA, metatype) ?? []) as Array<Type<CanActivate> | CanActivate>).map((g) => guardInstance(module, g));
  const firstResource = guards.findIndex((g) => Reflect.getMetadata(RESOURCE_CHECK, g.constructor) === true);
  const split = firstResource < 0 ? guards.length : firstResource;
  const hooks = instance as { handleConnection?: (...a: unknown[]) => unknown; handleDisconnect?: unknown; frameArrived?: ResolvedGateway['arrived'] };
  const handleConnection = hooks.handleConnection;
  return {
    instance, metatype,
    identityGuards: guards.slice(0, split), resourceGuards: guards.slice(split),
    pipelined: pipelinedPatterns(metatype),
    arrived: typeof hooks.frameArrived === 'function' ? hooks.frameArrived.bind(instance) as ResolvedGateway['arrived'] : undefined,
    handshakeHandler: handleConnection ?? function handshake() { return undefined; },
    handlesDisconnect: typeof hooks.handleDisconnect === 'function',
    handlesConnection: typeof handleConnection === 'function',
    handlers: createGatewayHandlers(container, instance, module.token),
  };
}

function guardInstance(module: Module, guard: Type<CanActivate> | CanActivate): CanActivate {
  if (typeof guard !== 'function') return guard;
  const wrapper = module.injectables.get(guard) ?? module.providers.get(guard);
  if (!wrapper?.instance) throw new Error(`guard ${guard.name} is not resolvable in ${module.name}`);
  return wrapper.instance as CanActivate;
}

function pipelinedPatterns(metatype: Type<unknown>): Set<string> {
  const out = new Set<string>();
  for (let proto = metatype.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method = Object.getOwnPropertyDescriptor(proto, name)?.value;
      if (typeof method !== 'function' || !Reflect.getMetadata(MESSAGE_MAPPING_METADATA, method)) continue;
      if (Reflect.getMetadata(PIPELINED, method)) out.add(Reflect.getMetadata(MESSAGE_METADATA, method));
    }
  }
  return out;
}
