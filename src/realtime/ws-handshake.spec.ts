import { UnauthenticatedError } from '../common/errors/domain-errors';
import { handshakeFor, testConnection } from '../gateways/guards/guard-testing';
import { CLOSE } from './close-codes';
import { WsPolicyError } from './ws-errors';

const frame = (o: object) => Buffer.from(JSON.stringify({ id: 'f1', ...o }));

describe('WsHandshake: the first-frame auth', () => {
  const waiting = (timeoutMs = 10_000) => {
    const conn = testConnection();
    const hs = handshakeFor({ method: 'message', source: 'message' });
    const authenticate = jest.fn();
    hs.awaitAuthFrame(conn, timeoutMs, authenticate);
    return { conn, hs, authenticate };
  };

  it('authenticates once the first frame is there, and then answers with its token at once', () => {
    const { conn, hs, authenticate } = waiting();
    expect(() => hs.authFrameToken()).toThrow(UnauthenticatedError);
    expect(authenticate).not.toHaveBeenCalled();
    conn.firstFrame!(frame({ type: 'auth', payload: { token: 'tok' } }), false);
    expect(authenticate).toHaveBeenCalledTimes(1);
    expect(hs.authFrameToken()).toBe('tok');
    // Later frames are the gateway's, not the handshake's.
    expect(conn.firstFrame).toBeUndefined();
  });

  it('refuses a first frame that is not auth with 1008, and an unusable token as a bad credential', () => {
    const a = waiting();
    a.conn.firstFrame!(frame({ type: 'ping', payload: {} }), false);
    expect(() => a.hs.authFrameToken()).toThrow(expect.objectContaining({ spec: CLOSE.FIRST_FRAME_NOT_AUTH }));
    const b = waiting();
    b.conn.firstFrame!(frame({ type: 'auth', payload: { token: 7 } }), false);
    expect(() => b.hs.authFrameToken()).toThrow(UnauthenticatedError);
    const c = waiting();
    c.conn.firstFrame!(Buffer.from([1, 2, 3]), true);
    expect(() => c.hs.authFrameToken()).toThrow(WsPolicyError);
    for (const w of [a, b, c]) expect(w.authenticate).toHaveBeenCalledTimes(1);
  });

  it('authenticates at the deadline, refused with 4008, and a frame after it is not taken', () => {
    jest.useFakeTimers();
    try {
      const { conn, hs, authenticate } = waiting(500);
      jest.advanceTimersByTime(499);
      expect(authenticate).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(authenticate).toHaveBeenCalledTimes(1);
      expect(() => hs.authFrameToken()).toThrow(expect.objectContaining({ spec: CLOSE.AUTH_TIMEOUT }));
      expect(conn.firstFrame).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('leaves nothing waiting when the socket closes first: no authentication, no timer', () => {
    jest.useFakeTimers();
    try {
      const { conn, authenticate } = waiting(500);
      expect(jest.getTimerCount()).toBe(1);
      conn.closed();
      expect(jest.getTimerCount()).toBe(0);
      expect(conn.firstFrame).toBeUndefined();
      jest.advanceTimersByTime(1000);
      expect(authenticate).not.toHaveBeenCalled();
    } finally {
      jest.useRealTimers();
    }
  });
});
