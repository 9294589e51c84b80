import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, freePort, Proc, startBuilt } from './helpers/built-service';

/**
 * The contract's "a bad value stops the process with a message that names the
 * variable", checked on the built service for the values a black-box audit
 * found starting silently, hanging, or dying with a stack trace instead.
 */
describe('start-up refuses a bad setting, naming it (e2e, built service)', () => {
  let dir: string;
  const procs: Proc[] = [];

  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'portcullis-startup-'));
  }, 130_000);

  afterAll(() => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the service with `env` over a fresh SQLite file and a free port; resolves with its stderr once it exits 1. */
  async function refusal(env: Record<string, string>): Promise<string> {
    const proc = startBuilt({ PORT: String(await freePort()), HOST: '127.0.0.1', SQLITE_PATH: join(dir, `${procs.length}.sqlite`), ...env });
    procs.push(proc);
    const exited = await proc.exited;
    expect({ ...exited, stderr: proc.stderr() }).toMatchObject({ code: 1, signal: null });
    // One message, not a stack trace that buries the variable's name.
    expect(proc.stderr()).not.toMatch(/^\s+at /m);
    return proc.stderr();
  }

  describe('WS_ALLOWED_ORIGINS, validated as CORS_ORIGINS is', () => {
    it.each(['bad-origin', 'app.example.com', 'https://app.example.com/path', '*,ftp://x'])('refuses %s', async (value) => {
      const stderr = await refusal({ WS_ALLOWED_ORIGINS: value });
      expect(stderr).toContain(`WS_ALLOWED_ORIGINS: "${value.replace('*,', '')}"`);
    }, 20_000);

    it.each([
      ['null', 'WS_ALLOWED_ORIGINS: "null" is refused: sandboxed iframes and file:// pages send Origin: null'],
      ['ws://x', `WS_ALLOWED_ORIGINS: "ws://x" is refused: ws: is never a page's origin`],
      ['capacitor://localhost,wss://x', `WS_ALLOWED_ORIGINS: "wss://x" is refused: wss: is never a page's origin`],
    ])('refuses %s, saying why', async (value, expected) => {
      expect(await refusal({ WS_ALLOWED_ORIGINS: value })).toContain(expected);
    }, 20_000);
  });

  describe('JWT keys, parsed before anything starts', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    it.each([
      ['JWT_PUBLIC_KEY=garbage', { JWT_PUBLIC_KEY: 'garbage' }, 'JWT_PUBLIC_KEY'],
      ['JWT_PRIVATE_KEY=garbage', { JWT_PUBLIC_KEY: pub, JWT_PRIVATE_KEY: 'garbage' }, 'JWT_PRIVATE_KEY'],
      ['an Ed25519 public key', { JWT_PUBLIC_KEY: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString() }, 'JWT_PUBLIC_KEY'],
      ['a private key of another pair', { JWT_PUBLIC_KEY: pub, JWT_PRIVATE_KEY: other }, 'JWT_PRIVATE_KEY'],
    ])('refuses %s, and never prints the key', async (_, env, variable) => {
      const stderr = await refusal(env);
      expect(stderr).toContain(`${variable}: `);
      expect(stderr).not.toContain('garbage');
      expect(stderr).not.toContain(other.split('\n')[1]);
    }, 20_000);
  });

  describe('HOST and PORT, when listening fails', () => {
    it.each([
      // .invalid never resolves (RFC 6761); without DNS at all the lookup fails with EAI_AGAIN, named the same way.
      ['a host that does not resolve', 'not-a-host.invalid', /^Cannot listen: HOST: "not-a-host\.invalid" does not resolve/],
      // TEST-NET-1 (RFC 5737): never an address of this machine.
      ['an address this machine does not have', '192.0.2.1', /^Cannot listen: HOST: 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\)/],
    ])('names HOST for %s', async (_, host, expected) => {
      expect(await refusal({ HOST: host })).toMatch(expected);
    }, 30_000);

    it('names PORT when it is already in use', async () => {
      const port = await freePort();
      const taken: Server = await new Promise((resolve) => { const s = createServer().listen(port, '127.0.0.1', () => resolve(s)); });
      try {
        expect(await refusal({ PORT: String(port) })).toMatch(new RegExp(`^Cannot listen: PORT: ${port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`));
      } finally {
        taken.close();
      }
    }, 30_000);
  });

  describe('SQLITE_PATH, checked before connecting', () => {
    it.each([
      ['below /dev/null (a file, not a directory)', () => '/dev/null/x.sqlite', /SQLITE_PATH: "\/dev\/null\/x.sqlite" cannot be created: \/dev\/null is not a directory/],
      ['a directory', () => dir, /SQLITE_PATH: ".*" is a directory/],
    ])('refuses %s', async (_, path, expected) => {
      expect(await refusal({ SQLITE_PATH: path() })).toMatch(expected);
    }, 20_000);

    // Node's recursive mkdir spins forever there (procfs answers ENOENT under an existing parent): the service hung with no output.
    (existsSync('/proc/self') ? it : it.skip)('refuses a path under /proc at once', async () => {
      expect(await refusal({ SQLITE_PATH: '/proc/nope/x.sqlite' })).toMatch(/SQLITE_PATH: "\/proc\/nope\/x.sqlite" cannot be created/);
    }, 20_000);
  });

  describe('DATABASE_URL that cannot be reached (DB_TYPE=postgres)', () => {
    const PASSWORD = 'pw-that-must-not-leak';

    /** Before: ten silent attempts over ~25 s (a refused port) or ~20 min (a host that drops packets), then a stack trace. */
    it.each([
      ['a port nothing listens on', async () => ({ port: await freePort(), close: () => undefined })],
      ['a server that accepts and never answers', async () => {
        // Its accepted sockets are destroyed on close: one never read stays open after the peer's FIN (on Node 24 it kept Jest from exiting).
        const accepted = new Set<Socket>();
        const silent = createServer((socket) => { accepted.add(socket); });
        await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
        return { port: (silent.address() as { port: number }).port, close: () => { for (const s of accepted) s.destroy(); silent.close(); } };
      }],
    ])('%s: logs where it connects, then stops within DB_CONNECT_TIMEOUT_MS naming DATABASE_URL, never the password', async (_, listen) => {
      const db = await listen();
      try {
        const proc = startBuilt({
          PORT: String(await freePort()), HOST: '127.0.0.1', LOG_LEVEL: 'info', DB_TYPE: 'postgres', DB_CONNECT_TIMEOUT_MS: '2000',
          DATABASE_URL: `postgres://portcullis:${PASSWORD}@127.0.0.1:${db.port}/portcullis`,
        });
        procs.push(proc);
        expect(await proc.exited).toEqual({ code: 1, signal: null });
        expect(proc.stderr()).toMatch(new RegExp(`^Cannot start: DATABASE_URL: PostgreSQL at 127\\.0\\.0\\.1:${db.port}/portcullis not reachable within DB_CONNECT_TIMEOUT_MS=2000`));
        const lines = proc.stdout!().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines[0]).toMatchObject({ msg: 'connecting to PostgreSQL', host: '127.0.0.1', port: String(db.port), database: 'portcullis' });
        expect(proc.stdout!() + proc.stderr()).not.toContain(PASSWORD);
      } finally {
        db.close();
      }
    }, 20_000);
  });

  it('writes nothing to SQLITE_PATH when a setting is refused', async () => {
    await refusal({ WS_ALLOWED_ORIGINS: 'bad-origin', SQLITE_PATH: join(dir, 'untouched.sqlite') });
    expect(existsSync(join(dir, 'untouched.sqlite'))).toBe(false);
  }, 20_000);
});
