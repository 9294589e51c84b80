import { SharedFrame } from './shared-frame';
import { wsLoopback } from './ws-testing';

/**
 * A SharedFrame's bytes are what `ws.send` puts on the wire for the same text,
 * and a real `ws` client reads them as that text frame, whatever the length
 * encoding (7-bit, 16-bit and 64-bit lengths: RFC 6455 §5.2).
 */
describe('SharedFrame', () => {
  const loopback = wsLoopback();
  beforeEach(() => loopback.start());
  afterEach(() => loopback.stop());
  const pair = () => loopback.pair();

  const sizes = [1, 125, 126, 65_535, 65_536, 200_000];

  it.each(sizes)('holds the bytes ws.send writes for a %i-byte text', async (size) => {
    const { ws, socket } = await pair();
    const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
    const written: Buffer[] = [];
    const write = socket.write.bind(socket);
    jest.spyOn(socket, 'write').mockImplementation(((chunk: Buffer, ...rest: unknown[]) => {
      written.push(Buffer.from(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof socket.write);
    ws.send(Buffer.from(text), { binary: false });
    const frame = new SharedFrame(Buffer.from(text));
    expect(frame.wire.equals(Buffer.concat(written))).toBe(true);
    expect(frame.payloadBytes).toBe(Buffer.byteLength(text));
    expect(frame.payload.toString()).toBe(text);
  });

  it('reaches a ws client as text frames, in order with what ws itself sends, at every length encoding', async () => {
    const { ws, socket, received, receivedCount } = await pair();
    const expected: string[] = [];
    for (const size of sizes) {
      const shared = 's'.repeat(size);
      socket.write(new SharedFrame(Buffer.from(shared)).wire);
      ws.send(`after ${size}`);
      expected.push(shared, `after ${size}`);
    }
    await receivedCount(expected.length);
    expect(received.map((r) => r.text)).toEqual(expected);
    expect(received.every((r) => !r.isBinary)).toBe(true);
  });

  it('SharedFrame.of frames the JSON text of a value', () => {
    const value = { type: 'chat_message', payload: { content: 'ünïcode', seq: 3 } };
    const frame = SharedFrame.of(value);
    expect(JSON.parse(frame.payload.toString('utf8'))).toEqual(value);
    expect(frame.wire.length).toBe(frame.payloadBytes + 2);
  });
});
