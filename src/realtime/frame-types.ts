/** Frame types, one place. */
export const CLIENT_FRAME = {
  AUTH: 'auth', CHAT_MESSAGE: 'chat_message', RESUME: 'resume', PING: 'ping', START: 'start', STOP: 'stop',
} as const;
export type ClientFrameType = (typeof CLIENT_FRAME)[keyof typeof CLIENT_FRAME];

/** Every frame the server emits, with its payload: the typed map gateways send through. */
export interface ServerFrames {
  ready: { sessionId: string | null; userId: string | null; expiresAt: string | null; resource: Record<string, string> };
  auth_required: { expiresAt: string; deadline: string };
  auth_ok: { expiresAt: string | null };
  ack: { refId: string; messageId: string; seq: number };
  chat_message: { messageId: string; seq: number; conversationId: string; authorId: string; content: string; createdAt: string };
  reflection_chunk: { seq: number; text: string };
  reflection_done: { chunks: number };
  status: Record<string, unknown>;
  pong: Record<string, never>;
  error: { code: string; message: string; refId?: string; closeCode?: number };
}
export type ServerFrameType = keyof ServerFrames;
