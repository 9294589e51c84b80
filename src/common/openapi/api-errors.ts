import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

/** Every error the REST API answers, from the one HTTP filter. */
export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: ['email must be an email'], description: 'What went wrong; for 400, one line per field naming it.' })
  message: string | string[];
}

const MEANING = {
  400: 'The body, query or path failed validation; the message names each field.',
  401: 'No bearer token, or one that is malformed, invalid, expired or revoked.',
  403: 'Authenticated but not allowed: not an admin, not the owner, or an inactive account.',
  404: 'No such resource, or not one the caller may see.',
  409: 'Conflicts with what exists (e.g. the email is already registered).',
  413: 'The body is larger than the service accepts.',
  429: 'Too many requests: back off and retry after Retry-After seconds.',
  503: 'A dependency (database, Redis) is unavailable.',
} as const;
export type ErrorStatus = keyof typeof MEANING;

/** Documents the error responses a route can give, all with the `{statusCode, error, message}` body. */
export const ApiErrors = (...statuses: ErrorStatus[]) =>
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: MEANING[status], type: ErrorResponse })));
