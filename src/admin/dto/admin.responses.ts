import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UserResponse } from '../../users/dto/user.response';

export class UsersPageResponse {
  @ApiProperty({ type: [UserResponse] }) items: UserResponse[];
  @ApiProperty({ description: 'Users matching the filter, over all pages' }) total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent: string | null;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'The first characters of the secret, to tell keys apart' }) prefix: string;
  @ApiProperty({ format: 'uuid' }) createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt: string | null;
}

export class CreatedApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ description: 'The key itself: shown this once, stored only as a hash' }) secret: string;
}

export class AuditEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'login_failed' }) type: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, nullable: true }) sessionId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Client address (TRUST_PROXY applied)' }) ip: string | null;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'Non-secret facts: method, endpoint, close code' })
  detail: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AuditPageResponse {
  @ApiProperty({ type: [AuditEventResponse], description: 'Newest first' }) items: AuditEventResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` (with the same filters) for the next, older page; null on the last page' })
  nextCursor: string | null;
}

export class ConnectionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) userId: string | null;
  @ApiProperty({ type: String, nullable: true }) sessionId: string | null;
  @ApiProperty({ example: '/ws/conversations/:conversationId' }) endpoint: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) resource: Record<string, string>;
  @ApiProperty({ enum: ['header', 'subprotocol', 'ticket', 'query', 'message'] }) authMethod: string;
  @ApiProperty({ format: 'date-time' }) connectedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) tokenExpiresAt: string | null;
  @ApiProperty() remoteAddress: string;
  @ApiPropertyOptional({ description: 'The instance holding the socket (when scaled out)' }) instanceId?: string;
}
