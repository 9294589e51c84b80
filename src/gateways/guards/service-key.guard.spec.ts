import { UnauthenticatedError } from '../../common/errors/domain-errors';
import { HandshakeAuthenticator } from '../../realtime/handshake-authenticator';
import { handshakeFor, testConnection, userAuth, verdictOf, wsContext } from './guard-testing';
import { ServiceKeyGuard } from './service-key.guard';

describe('ServiceKeyGuard', () => {
  const service = { kind: 'service' as const, apiKeyId: 'k1', name: 'ingest' };

  it('verifies the presented secret as a service credential, never as a user token', async () => {
    const verify = jest.fn(async () => service);
    const conn = testConnection();
    const guard = new ServiceKeyGuard({ verify } as unknown as HandshakeAuthenticator);
    await expect(verdictOf(() => guard.canActivate(wsContext(conn, handshakeFor({ method: 'subprotocol', source: 'subprotocol', secret: 'key' }))))).resolves.toBe(true);
    expect(verify).toHaveBeenCalledWith('service', 'subprotocol', 'key');
    expect(conn.auth).toEqual(service);
  });

  it('leaves the socket unidentified when the key is refused', async () => {
    const verify = jest.fn(async () => { throw new UnauthenticatedError('Invalid service key', 'service_key'); });
    const conn = testConnection();
    const guard = new ServiceKeyGuard({ verify } as unknown as HandshakeAuthenticator);
    await expect(verdictOf(() => guard.canActivate(wsContext(conn, handshakeFor({ method: 'header', source: 'authorization', secret: 'jwt' }))))).rejects.toMatchObject({ reason: 'service_key' });
    expect(conn.auth).toBeUndefined();
  });

  it('on a frame, lets only a service socket through', async () => {
    const guard = new ServiceKeyGuard({} as HandshakeAuthenticator);
    await expect(verdictOf(() => guard.canActivate(wsContext(testConnection(service), { id: 's' }, 'start')))).resolves.toBe(true);
    await expect(verdictOf(() => guard.canActivate(wsContext(testConnection(userAuth()), { id: 's' }, 'start')))).rejects.toBeInstanceOf(UnauthenticatedError);
  });
});
