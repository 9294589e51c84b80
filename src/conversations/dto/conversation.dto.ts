import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { HISTORY_MAX_LIMIT } from '../conversations.service';

export class CreateConversationDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @MinLength(1) @MaxLength(200) title: string;
}

/**
 * `{userId}` or `{email}` (an owner cannot look ids up). A malformed value is a
 * 400 naming the field; a well-formed one that matches no user is 404 "User not found".
 */
export class AddMemberDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The user to add; or give email instead.' })
  @ValidateIf((o: AddMemberDto) => o.email === undefined || o.userId !== undefined)
  @IsUUID('all', { message: 'userId must be a UUID (or give email instead)' }) userId?: string;

  @ApiPropertyOptional({ format: 'email', description: 'The email of the user to add; or give userId instead.' })
  @IsOptional() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(320) email?: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'Return messages with seq strictly greater than this.' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) afterSeq: number = 0;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: HISTORY_MAX_LIMIT })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(HISTORY_MAX_LIMIT) limit: number = 100;
}
