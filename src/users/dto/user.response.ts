import { ApiProperty } from '@nestjs/swagger';
import { ROLES } from '../user.entity';

/** A user as the API shows one: never the password hash. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiProperty({ type: String, nullable: true }) displayName: string | null;
  @ApiProperty({ enum: ROLES }) role: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
