import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Envelope } from '../frame-validation';

export const RESOURCE_CHECK = 'portcullis:resource-check';
export const PIPELINED = 'portcullis:pipelined';

/** The pattern under which the adapter passes a frame it could not route (bad JSON, bad envelope, a type this endpoint does not take). */
export const INVALID_FRAME = '$invalid';
/** The pattern of a binary frame. */
export const BINARY_FRAME = '$binary';
/** The pattern guards see at connect time (`switchToWs().getPattern()`). */
export const HANDSHAKE = '$handshake';

/**
 * Marks a guard as a resource check (ownership, membership). At connect time
 * the adapter runs the guards before the first resource check, sends `ready`,
 * then runs the resource checks: "after a good credential, ready, then the
 * resource checks, then data" (CONTRACT §3).
 */
export const ResourceCheck = (): ClassDecorator => SetMetadata(RESOURCE_CHECK, true);

/**
 * The handler's frames may overlap the frames behind them (up to 16 in flight
 * per socket). Only for a handler that queues its work synchronously before its
 * first await and answers in that queue's order (chat: the message writer), so
 * acks and seqs still follow send order.
 */
export const Pipelined = (): MethodDecorator => SetMetadata(PIPELINED, true);

/** The client frame's `id` (what answers carry as `refId`, and what chat de-duplicates on). */
export const FrameId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => ctx.switchToWs().getData<Envelope>().id);
