export { PortcullisClient } from './client.js';
export type { Ack, AuthMode, ClientEvents, ClientOptions, ClientState, CloseInfo, Logger, StateChange, WebSocketConstructor, WebSocketLike } from './types.js';
export type { BackoffOptions } from './backoff.js';
export { backoffDelay, resolveBackoff } from './backoff.js';
export type { LivenessOptions } from './liveness.js';
export { LIVENESS_DEFAULTS } from './liveness.js';
export type { GetToken, RefreshToken } from './tokens.js';
export { decideClose, CLOSE_ACTIONS } from './close-policy.js';
export type { CloseAction, CloseDecision } from './close-policy.js';
export {
  AuthenticationError, ClientClosedError, ClosedByAdminError, ForbiddenError, FrameRejectedError, FrameTooLargeError,
  NotFoundError, PolicyViolationError, PortcullisError, RetriesExhaustedError, UserInactiveError,
} from './errors.js';
export { CLOSE, CLOSED_BY_ADMIN, CLIENT_FRAME } from './protocol.generated.js';
export type { CloseKey, ServerFrames, ServerFrameType, ClientFrameType } from './protocol.generated.js';
export { SUBPROTOCOL } from './socket-factory.js';
