import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jwt from 'jsonwebtoken';
import { ADMIN, ADMIN_ENV, createUser } from './helpers/factories';
import { startTestApp, TestApp } from './helpers/test-app';

const ROOT = join(__dirname, '..');

function runTokenCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'token', '--', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run token (e2e)', () => {
  let dir: string;
  let dbEnv: Record<string, string>;
  let t: TestApp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
    dbEnv = { ...ADMIN_ENV, SQLITE_PATH: join(dir, 'cli.sqlite') };
    t = await startTestApp(dbEnv);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints only a token that the app on the same database accepts, with the requested ttl', async () => {
    const out = await runTokenCli(['--email', ADMIN.email, '--ttl', '2m'], dbEnv);
    expect(out).toMatchObject({ code: 0 });
    const token = out.stdout.trim();
    expect(out.stdout).toBe(`${token}\n`);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = jwt.decode(token) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(120);
    const me = await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toMatchObject({ email: ADMIN.email, role: 'admin' });
    // A real session: an admin can see and revoke it like any other.
    await t.http().post('/v1/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
  }, 60_000);

  it('signs for an ordinary user with the default ttl', async () => {
    const u = await createUser(t);
    const out = await runTokenCli(['--email', u.email], dbEnv);
    expect(out.code).toBe(0);
    const claims = jwt.decode(out.stdout.trim()) as jwt.JwtPayload;
    expect(claims.exp! - claims.iat!).toBe(t.config.auth.accessTtlS);
    await t.http().get('/v1/auth/me').set('Authorization', `Bearer ${out.stdout.trim()}`).expect(200);
  }, 60_000);

  it('exits 1 with a clear message for an unknown email or a bad ttl, printing no token', async () => {
    const none = await runTokenCli(['--email', 'nobody@example.test'], dbEnv);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('No user with email nobody@example.test');
    const ttl = await runTokenCli(['--email', ADMIN.email, '--ttl', 'soon'], dbEnv);
    expect(ttl.code).toBe(1);
    expect(ttl.stderr).toContain('--ttl');
  }, 60_000);
});
