import { UnauthenticatedError } from '../common/errors/domain-errors';
import { handshakeFor, testConnection } from '../gateways/guards/guard-testing';
import { CLOSE } from './close-codes';
import { WsPolicyError } from './ws-errors';

const frame = (o: object) => Buffer.from(JSON.stringify({ id: 'f1', ...o }));

describe('WsHandshake.authFrameToken', () => {
  const waiting = () => {
    const conn = testConnection();
    const hs = handshakeFor({ method: 'message', source: 'message' });
    hs.expectAuthFrame(conn, 10_000);
    return { conn, hs };
  };

  it('takes the token of a first-frame auth', async () => {
    const { conn, hs } = waiting();
    conn.firstFrame!(frame({ type: 'auth', payload: { token: 'tok' } }), false);
    await expect(hs.authFrameToken()).resolves.toBe('tok');
    expect(conn.firstFrame).toBeUndefined();
  });

  it('refuses a first frame that is not auth with 1008, and an unusable token as a bad credential', async () => {
    const a = waiting();
    a.conn.firstFrame!(frame({ type: 'ping', payload: {} }), false);
    await expect(a.hs.authFrameToken()).rejects.toMatchObject({ spec: CLOSE.FIRST_FRAME_NOT_AUTH });
    const b = waiting();
    b.conn.firstFrame!(frame({ type: 'auth', payload: { token: 7 } }), false);
    await expect(b.hs.authFrameToken()).rejects.toBeInstanceOf(UnauthenticatedError);
    const c = waiting();
    c.conn.firstFrame!(Buffer.from([1, 2, 3]), true);
    await expect(c.hs.authFrameToken()).rejects.toBeInstanceOf(WsPolicyError);
  });

  it('times out with 4008', async () => {
    jest.useFakeTimers();
    try {
      const conn = testConnection();
      const hs = handshakeFor({ method: 'message', source: 'message' });
      hs.expectAuthFrame(conn, 500);
      const token = hs.authFrameToken();
      jest.advanceTimersByTime(500);
      await expect(token).rejects.toMatchObject({ spec: CLOSE.AUTH_TIMEOUT });
    } finally {
      jest.useRealTimers();
    }
  });

  it('settles when the socket closes first, so its frame queue (and a shutdown waiting on it) is not held', async () => {
    const { conn, hs } = waiting();
    const token = hs.authFrameToken();
    conn.closed();
    await expect(token).rejects.toBeInstanceOf(WsPolicyError);
  });
});
