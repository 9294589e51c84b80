import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { HISTORY_MAX_LIMIT } from '../conversations.service';

export class CreateConversationDto {
  @ApiProperty({ minLength: 1, maxLength: 200 }) @IsString() @MinLength(1) @MaxLength(200) title: string;
}

/** A malformed userId in the body is a 400 naming the field; a well-formed unknown one is 404 "User not found". */
export class AddMemberDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() userId: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ default: 0, minimum: 0, description: 'Return messages with seq strictly greater than this.' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) afterSeq: number = 0;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: HISTORY_MAX_LIMIT })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(HISTORY_MAX_LIMIT) limit: number = 100;
}
