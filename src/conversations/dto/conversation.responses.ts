import { ApiProperty } from '@nestjs/swagger';

export class ConversationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ description: 'The newest message\'s seq (0 when empty)' }) lastSeq: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ format: 'date-time' }) addedAt: string;
}

export class ConversationDetailResponse extends ConversationResponse {
  @ApiProperty({ type: [MemberResponse] }) members: MemberResponse[];
}

export class MemberAddedResponse extends MemberResponse {
  @ApiProperty({ description: 'false when the user already was a member (nothing changed)' }) added: boolean;
}

/** Exactly the payload of the WebSocket `chat_message` frame. */
export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty() seq: number;
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty() content: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
