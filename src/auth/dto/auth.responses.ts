import { ApiProperty } from '@nestjs/swagger';

export class TokenPairResponse {
  @ApiProperty({ description: 'JWT access token, for `Authorization: Bearer` and sockets' }) accessToken: string;
  @ApiProperty({ description: 'Opaque refresh token: single use, rotated by POST /v1/auth/refresh' }) refreshToken: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Access token lifetime in seconds', example: 900 }) expiresIn: number;
}

export class WsTicketResponse {
  @ApiProperty({ description: 'Single-use credential for `?ticket=` on a WebSocket URL' }) ticket: string;
  @ApiProperty({ description: 'Seconds until it expires (at most 30)', example: 30 }) expiresIn: number;
}
