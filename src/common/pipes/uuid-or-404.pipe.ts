import { PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { NotFoundError } from '../errors/domain-errors';

/**
 * Path ids that are not UUIDs answer 404 like any unknown id, rather than the
 * 400 of ParseUUIDPipe: a client learns nothing from the id's shape, and
 * "not yours", "never existed" and "malformed" all look the same from outside.
 */
export class UuidOr404Pipe implements PipeTransform<string, string> {
  constructor(private readonly what = 'Resource') {}

  transform(value: string): string {
    if (typeof value !== 'string' || !isUUID(value)) throw new NotFoundError(this.what);
    return value;
  }
}

/** `@Param('id', uuidOr404('Entry'))`: a pipe instance naming the resource in its 404. */
export const uuidOr404 = (what: string): UuidOr404Pipe => new UuidOr404Pipe(what);
