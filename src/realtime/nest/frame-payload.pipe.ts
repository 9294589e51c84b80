import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError } from '../../common/errors/domain-errors';
import { payloadError } from '../frame-validation';

const NOT_DTOS: ReadonlySet<unknown> = new Set([undefined, Object, String, Number, Boolean, Array, Buffer]);

/**
 * Validates a `@MessageBody()` against its DTO class with class-validator, on
 * a plain instance (no class-transformer walk: it cost more than the checks on
 * the per-frame path). The error names the field, never its value.
 */
@Injectable()
export class FramePayloadPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || NOT_DTOS.has(metadata.metatype)) return value;
    const prefix = metadata.data ? `${metadata.data}.` : '';
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(metadata.data ?? 'payload', `${metadata.data ?? 'payload'}: must be an object`);
    const error = payloadError(metadata.metatype as new () => object, value, prefix);
    if (error) throw new InvalidInputError(metadata.data ?? 'payload', error);
    return value;
  }
}
