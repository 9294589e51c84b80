import { AppConfig } from '../../config/app-config';
import { ConnectionLimitError, UnauthenticatedError } from '../../common/errors/domain-errors';
import { ConnectionRegistry } from '../../realtime/connection-registry';
import { HandshakeAuthenticator } from '../../realtime/handshake-authenticator';
import { SessionStateCache } from '../../sessions/session-state.cache';
import { handshakeFor, testConnection, userAuth, verdictOf, wsContext } from './guard-testing';
import { UserCredentialGuard } from './user-credential.guard';

describe('UserCredentialGuard', () => {
  const verified = userAuth();
  let verify: jest.Mock;
  let liveSessions: Set<string>;
  let perUser: number;
  const guard = () => new UserCredentialGuard(
    { verify } as unknown as HandshakeAuthenticator,
    { countForUser: () => perUser } as unknown as ConnectionRegistry,
    { sessionLive: (sid: string) => liveSessions.has(sid) } as unknown as SessionStateCache,
    AppConfig.fromEnvironment({ NODE_ENV: 'test', WS_MAX_CONNECTIONS_PER_USER: '3' }),
  );

  beforeEach(() => {
    verify = jest.fn(async () => verified);
    liveSessions = new Set(['s1']);
    perUser = 0;
  });

  describe('at connect', () => {
    it('verifies a header token as a user credential and identifies the socket', async () => {
      const conn = testConnection();
      await expect(verdictOf(() => guard().canActivate(wsContext(conn, handshakeFor({ method: 'header', source: 'authorization', secret: 'tok' }))))).resolves.toBe(true);
      expect(verify).toHaveBeenCalledWith('user', 'header', 'tok');
      expect(conn.auth).toEqual(verified);
    });

    it('answers at once, with no promise, when verification does (a header token whose session is known in memory)', () => {
      verify.mockReturnValueOnce(verified);
      const conn = testConnection();
      expect(guard().canActivate(wsContext(conn, handshakeFor({ method: 'header', source: 'authorization', secret: 'tok' })))).toBe(true);
      expect(conn.auth).toEqual(verified);
    });

    it('answers at once for a first-frame auth too: the guards run once the frame is there', () => {
      verify.mockReturnValueOnce(verified);
      const conn = testConnection();
      const handshake = handshakeFor({ method: 'message', source: 'message' });
      handshake.awaitAuthFrame(conn, 10_000, () => undefined);
      conn.firstFrame!(Buffer.from(JSON.stringify({ type: 'auth', id: 'a1', payload: { token: 'tok' } })), false);
      expect(guard().canActivate(wsContext(conn, handshake))).toBe(true);
      expect(verify).toHaveBeenCalledWith('user', 'message', 'tok');
      expect(conn.auth).toEqual(verified);
    });

    it('refuses a socket with no credential as missing (4001)', async () => {
      const conn = testConnection();
      await expect(verdictOf(() => guard().canActivate(wsContext(conn, handshakeFor({ method: 'none', source: 'none' }))))).rejects.toMatchObject({ reason: 'missing' });
      expect(verify).not.toHaveBeenCalled();
      expect(conn.auth).toBeUndefined();
    });

    it('passes on what verification throws, leaving the socket unidentified', async () => {
      verify.mockRejectedValueOnce(new UnauthenticatedError('Token expired', 'expired'));
      const conn = testConnection();
      await expect(verdictOf(() => guard().canActivate(wsContext(conn, handshakeFor({ method: 'query', source: 'query', secret: 'x' }))))).rejects.toMatchObject({ reason: 'expired' });
      expect(conn.auth).toBeUndefined();
    });

    it('refuses a user already at WS_MAX_CONNECTIONS_PER_USER (4029)', async () => {
      perUser = 3;
      const conn = testConnection();
      await expect(verdictOf(() => guard().canActivate(wsContext(conn, handshakeFor({ method: 'header', source: 'authorization', secret: 'tok' }))))).rejects.toBeInstanceOf(ConnectionLimitError);
      expect(conn.auth).toBeUndefined();
    });
  });

  describe('on a frame (memory only, never a second verification)', () => {
    const frame = { type: 'chat_message', id: 'f1', payload: {} };

    it('lets a live, unexpired session through', async () => {
      await expect(verdictOf(() => guard().canActivate(wsContext(testConnection(verified), frame, 'chat_message')))).resolves.toBe(true);
      expect(verify).not.toHaveBeenCalled();
    });

    it('refuses a frame from a session known revoked, even if its close was missed', async () => {
      liveSessions.clear();
      await expect(verdictOf(() => guard().canActivate(wsContext(testConnection(verified), frame, 'chat_message')))).rejects.toMatchObject({ reason: 'revoked' });
    });

    it('refuses a frame after the token expired, but lets an auth frame renew it', async () => {
      const conn = testConnection(userAuth({ expiresAt: Date.now() - 1 }));
      await expect(verdictOf(() => guard().canActivate(wsContext(conn, frame, 'chat_message')))).rejects.toMatchObject({ reason: 'expired' });
      await expect(verdictOf(() => guard().canActivate(wsContext(conn, { type: 'auth', id: 'a', payload: {} }, 'auth')))).resolves.toBe(true);
    });

    it('refuses a frame from a socket that never authenticated, or as a service', async () => {
      await expect(verdictOf(() => guard().canActivate(wsContext(testConnection(), frame, 'chat_message')))).rejects.toMatchObject({ reason: 'missing' });
      const service = testConnection({ kind: 'service', apiKeyId: 'k', name: 'ingest' });
      await expect(verdictOf(() => guard().canActivate(wsContext(service, frame, 'chat_message')))).rejects.toMatchObject({ reason: 'missing' });
    });
  });
});
