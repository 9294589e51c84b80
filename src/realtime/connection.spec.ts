import type { Socket } from 'node:net';
import { Connection } from './connection';
import { SharedFrame } from './shared-frame';
import { wsLoopback } from './ws-testing';

/**
 * Connection over real sockets: an HTTP server upgraded by `ws`, a `ws` client
 * on loopback. What is counted is the server socket's own writes (`_write`
 * for one chunk, `_writev` for several: each is one syscall).
 */
describe('Connection: frames of one turn leave in one write', () => {
  const loopback = wsLoopback();
  beforeEach(() => loopback.start());
  afterEach(() => loopback.stop());

  /** A Connection on the server side of a fresh socket, the client that reads it, and counters of the server socket's writes. */
  async function pair(maxBufferedBytes = 1 << 20) {
    const { ws, socket: tcp, received, receivedCount } = await loopback.pair();
    const socket = tcp as Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    const writes = { single: jest.spyOn(socket, '_write'), vectored: jest.spyOn(socket, '_writev') };
    const slow = jest.fn();
    const conn = new Connection(ws, '/ws/test', '127.0.0.1', { maxBufferedBytes, maxProtocolErrors: 10 }, slow, undefined, socket);
    conn.state = 'open';
    const syscalls = () => writes.single.mock.calls.length + writes.vectored.mock.calls.length;
    return { conn, received, syscalls, receivedCount, slow };
  }

  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('sends five frames of one turn, fan-out and replies alike, in one write, in order', async () => {
    const { conn, received, syscalls, receivedCount } = await pair();
    conn.send('pong', {}, 'r1');
    for (let i = 1; i <= 3; i++) conn.sendShared(SharedFrame.of({ type: 'chat_message', payload: { seq: i } }));
    conn.send('pong', {}, 'r2');
    expect(syscalls()).toBe(0); // nothing has left before the turn ends
    await receivedCount(5);
    expect(syscalls()).toBe(1);
    const frames = received.map((r) => JSON.parse(r.text) as { type: string; refId?: string; payload: { seq?: number } });
    expect(frames.map((f) => f.refId ?? f.payload.seq)).toEqual(['r1', 1, 2, 3, 'r2']);
  });

  it('does not hold a frame past its turn: two turns, two writes', async () => {
    const { conn, syscalls, receivedCount } = await pair();
    conn.send('pong', {}, 'a');
    await nextTurn();
    expect(syscalls()).toBe(1);
    conn.send('pong', {}, 'b');
    await receivedCount(2);
    expect(syscalls()).toBe(2);
  });

  it('lets go of the TCP socket once closed: a flush due after the close is a no-op', async () => {
    const { conn, syscalls } = await pair();
    conn.send('pong', {}, 'last'); // corks the socket until the end of this turn
    conn.closed();
    expect((conn as unknown as { output?: Socket }).output).toBeUndefined();
    await nextTurn(); // the end-of-turn flush ran, and did not touch the socket
    expect(syscalls()).toBe(0);
  });

  it('checks the buffer limit against what the kernel did not take, not against what waited for the end of the turn', async () => {
    // 40 KiB in one turn against a 16 KiB limit: a reading client takes it all, so this is no slow consumer.
    const { conn, syscalls, receivedCount, slow } = await pair(16 * 1024);
    const chunk = SharedFrame.of({ type: 'chat_message', payload: { content: 'x'.repeat(4000) } });
    for (let i = 0; i < 10; i++) conn.sendShared(chunk);
    await receivedCount(10);
    expect(slow).not.toHaveBeenCalled();
    expect(syscalls()).toBeLessThan(10);
  });
});
