import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Role, ROLES } from '../../users/user.entity';

export class PageQueryDto {
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ enum: ROLES }) @IsOptional() @IsIn(ROLES) role?: Role;
}

export class SessionsQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class CreateApiKeyDto {
  @ApiProperty({ maxLength: 100 }) @IsString() @MinLength(1) @MaxLength(100) name: string;
}

export class AuditQueryDto {
  @ApiPropertyOptional({ example: 'login_failed' }) @IsOptional() @Matches(/^[a-z_.]{1,64}$/, { message: 'type must be an event type such as login_failed' }) type?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Only events after this instant (exclusive).' })
  @IsOptional() @IsISO8601({ strict: true }, { message: 'after must be an ISO-8601 date-time such as 2025-01-31T12:00:00Z' }) after?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'Only events before this instant (exclusive).' })
  @IsOptional() @IsISO8601({ strict: true }, { message: 'before must be an ISO-8601 date-time such as 2025-01-31T12:00:00Z' }) before?: string;
  @ApiPropertyOptional({ description: 'The nextCursor of the previous page; the other filters must stay the same.' })
  @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ default: 100, maximum: 1000 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class UsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Users whose email contains this text (case-insensitive).', maxLength: 320 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(320) email?: string;
  @ApiPropertyOptional({ type: Boolean }) @IsOptional() @Transform(toBoolean) @IsBoolean({ message: 'active must be true or false' }) active?: boolean;
}
