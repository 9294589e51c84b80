import { MetadataScanner } from '@nestjs/core';
import { GuardsConsumer, GuardsContextCreator } from '@nestjs/core/guards';
import type { NestContainer } from '@nestjs/core/injector/container';
import { InterceptorsConsumer, InterceptorsContextCreator } from '@nestjs/core/interceptors';
import { PipesConsumer, PipesContextCreator } from '@nestjs/core/pipes';
import { ExceptionFiltersContext } from '@nestjs/websockets/context/exception-filters-context';
import { WsContextCreator } from '@nestjs/websockets/context/ws-context-creator';
import { WsProxy } from '@nestjs/websockets/context/ws-proxy';
import { GatewayMetadataExplorer } from '@nestjs/websockets/gateway-metadata-explorer';

/** A gateway's @SubscribeMessage handler through Nest's pipeline: called as `(client, data, pattern)`. */
export type GatewayHandler = (client: unknown, data: unknown, pattern: string) => unknown;

/**
 * A gateway's @SubscribeMessage handlers, each wrapped in its guards,
 * interceptors, pipes and exception filters exactly as Nest's SocketModule
 * wraps them (the same WsContextCreator, built the same way), made once per
 * gateway and called with the socket as the first argument.
 *
 * Nest itself binds every handler to each socket as it connects
 * (`callback.bind(instance, client)`): five bound functions and their
 * argument lists, ~0.5 KiB kept for the socket's whole life, a tenth of a
 * socket's heap (docs/capacity.md). The adapter ignores those copies and
 * dispatches through these.
 */
export function createGatewayHandlers(container: NestContainer, instance: object, moduleKey: string): Map<string, GatewayHandler> {
  const creator = new WsContextCreator(
    new WsProxy(), new ExceptionFiltersContext(container),
    new PipesContextCreator(container), new PipesConsumer(),
    new GuardsContextCreator(container), new GuardsConsumer(),
    new InterceptorsContextCreator(container), new InterceptorsConsumer(),
  );
  const explored = new GatewayMetadataExplorer(new MetadataScanner()).explore(instance);
  return new Map(explored.map(({ message, methodName, callback }) => [String(message), creator.create(instance, callback, moduleKey, methodName) as GatewayHandler]));
}
