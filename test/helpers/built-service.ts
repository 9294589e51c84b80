import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The built service as `npm start` runs it (dist/src/main.js), for tests of start-up itself. */
export const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

function newestMtime(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }, 0);
}

/** Builds once, and again only when a source file is newer than the build, so the test never boots stale code. */
export function ensureBuilt(): void {
  const stale = !existsSync(MAIN) || Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'migrations'))) > statSync(MAIN).mtimeMs;
  if (stale) execFileSync('npx', ['nest', 'build'], { cwd: ROOT, timeout: 120_000, stdio: 'pipe' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Proc { child: ChildProcess; stderr: () => string; stdout?: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

/** `openFiles`: the service runs under `ulimit -n` of that many (through util-linux's prlimit). */
export function startBuilt(env: Record<string, string>, opts: { openFiles?: number } = {}): Proc {
  const [cmd, args]: [string, string[]] = opts.openFiles ? ['prlimit', [`--nofile=${opts.openFiles}`, process.execPath, MAIN]] : [process.execPath, [MAIN]];
  // Only what the test sets plus PATH: a developer's own PORT or JWT_SECRET must not leak in.
  const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env } });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  child.stdout!.on('data', (d) => { stdout += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => stderr, stdout: () => stdout, exited };
}
