import { InactiveUserError } from '../../common/errors/domain-errors';
import { SessionStateCache } from '../../sessions/session-state.cache';
import { ActiveUserGuard } from './active-user.guard';
import { handshakeFor, testConnection, userAuth, wsContext } from './guard-testing';

describe('ActiveUserGuard', () => {
  const inactive = new Set<string>();
  const guard = new ActiveUserGuard({ userActive: (id: string) => !inactive.has(id) } as unknown as SessionStateCache);
  afterEach(() => inactive.clear());

  it('lets an active user through at connect and on frames', () => {
    const conn = testConnection(userAuth());
    expect(guard.canActivate(wsContext(conn, handshakeFor({ method: 'header', source: 'authorization', secret: 't' })))).toBe(true);
    expect(guard.canActivate(wsContext(conn, { id: 'f' }, 'chat_message'))).toBe(true);
  });

  it('refuses a user known inactive (4002), from memory', () => {
    inactive.add('u1');
    expect(() => guard.canActivate(wsContext(testConnection(userAuth()), { id: 'f' }, 'chat_message'))).toThrow(InactiveUserError);
  });

  it('has nothing to say about a service socket', () => {
    expect(guard.canActivate(wsContext(testConnection({ kind: 'service', apiKeyId: null, name: 'x' }), { id: 'f' }, 'start'))).toBe(true);
  });
});
