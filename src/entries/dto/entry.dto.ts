import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';

export const TITLE_MAX = 200;
export const CONTENT_MAX = 100_000;

export class CreateEntryDto {
  @ApiProperty({ minLength: 1, maxLength: TITLE_MAX }) @IsString() @MinLength(1) @MaxLength(TITLE_MAX) title: string;
  @ApiProperty({ minLength: 1, maxLength: CONTENT_MAX }) @IsString() @MinLength(1) @MaxLength(CONTENT_MAX) content: string;
}

/**
 * Partial update. `ValidateIf(!== undefined)` rather than `IsOptional`, because
 * IsOptional also lets `null` through and the columns are NOT NULL.
 */
export class UpdateEntryDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: TITLE_MAX })
  @ValidateIf((_, v) => v !== undefined) @IsString() @MinLength(1) @MaxLength(TITLE_MAX) title?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: CONTENT_MAX })
  @ValidateIf((_, v) => v !== undefined) @IsString() @MinLength(1) @MaxLength(CONTENT_MAX) content?: string;
}

export class ListEntriesQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit: number = 50;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset: number = 0;
}
