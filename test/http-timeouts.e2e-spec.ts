import { connect, Socket } from 'node:net';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * Slow HTTP clients (slowloris: headers or a body trickled a byte at a time)
 * must not hold a connection for Node's defaults (300 s for a request). The
 * limits come from HTTP_REQUEST_TIMEOUT_MS / HTTP_HEADERS_TIMEOUT_MS, set low
 * here so the cut-off shows within the test; the bound waited for is far
 * below Node's own default, so the test fails when the settings are ignored.
 */
describe('HTTP timeouts against slow clients (e2e)', () => {
  jest.setTimeout(30_000);
  let t: TestApp;
  const sockets: Socket[] = [];
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    t = await startTestApp({ HTTP_REQUEST_TIMEOUT_MS: '1500', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '4000' });
  });
  afterEach(() => {
    timers.splice(0).forEach(clearInterval);
    sockets.splice(0).forEach((s) => s.destroy());
  });
  afterAll(async () => { await t?.close(); });

  /** Opens a raw connection, writes `head`, then one byte of `trickle` every 100 ms; resolves with what the server sent when it closed. */
  async function trickle(head: string, drip: string, ms = 15_000): Promise<string> {
    const { port } = new URL(t.baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    sockets.push(socket);
    let received = '';
    socket.on('data', (d) => { received += d; });
    socket.on('error', () => undefined);
    socket.write(head);
    let i = 0;
    timers.push(setInterval(() => { if (!socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length]); }, 100));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms; got ${JSON.stringify(received)}`)), ms);
      socket.on('close', () => { clearTimeout(timer); resolve(received); });
    });
  }

  it('cuts off a request whose body trickles in, with 408', async () => {
    const head = `POST /v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"email":"`;
    const answer = await trickle(head, 'a');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a request whose headers trickle in, with 408', async () => {
    const answer = await trickle('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'b');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('applies the keep-alive setting, and a prompt request is served as usual', async () => {
    const server = t.app.getHttpServer();
    expect({ requestTimeout: server.requestTimeout, headersTimeout: server.headersTimeout, keepAliveTimeout: server.keepAliveTimeout })
      .toEqual({ requestTimeout: 1500, headersTimeout: 1000, keepAliveTimeout: 4000 });
    await t.http().get('/health').expect(200);
  });
});
