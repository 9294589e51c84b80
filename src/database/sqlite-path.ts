import { closeSync, mkdirSync, openSync, statSync, Stats, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StartupError } from '../common/errors/startup-error';

/**
 * Makes SQLITE_PATH's directory if missing and checks that SQLite will be
 * able to write there, before anything connects: a path it cannot use then
 * stops start-up naming SQLITE_PATH, instead of a TypeORM stack trace or, under
 * /proc, a hang. SQLite writes `-wal` and `-shm` files beside the database, so
 * the directory itself must take new files, not only the database file.
 */
export function prepareSqlitePath(path: string): void {
  if (path === ':memory:') return;
  const file = resolve(path);
  const dir = dirname(file);
  makeDirectory(path, dir);
  const existing = stat(path, file);
  if (existing?.isDirectory()) throw refused(path, 'is a directory; give a file path such as data/portcullis.sqlite');
  const probe = join(dir, `.${basename(file)}.${process.pid}.write-test`);
  attempt(path, `cannot create files in ${dir}`, () => {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  });
  if (existing) attempt(path, 'cannot be opened for writing', () => closeSync(openSync(file, 'r+')));
}

/**
 * `mkdir -p` done one level at a time. Node's own `{ recursive: true }` spins
 * forever where mkdir answers ENOENT although the parent exists (procfs does,
 * for any new name): it reads ENOENT as "make the parent first", and the parent
 * answers EEXIST. Here a missing level whose parent exists is an error.
 */
function makeDirectory(path: string, dir: string): void {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    const found = stat(path, at);
    if (found) {
      if (!found.isDirectory()) throw refused(path, `cannot be created: ${at} is not a directory`);
      break;
    }
    missing.unshift(at);
    if (dirname(at) === at) break;
    at = dirname(at);
  }
  for (const level of missing) attempt(path, `cannot be created: mkdir ${level} failed`, () => mkdirSync(level));
}

/** The path's stats, or undefined when nothing is there. */
function stat(path: string, at: string): Stats | undefined {
  try {
    return statSync(at);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw refused(path, `cannot be created: a parent of ${at} is not a directory`);
    throw refused(path, `cannot be read: stat ${at} failed (${code})`);
  }
}

function attempt(path: string, problem: string, action: () => void): void {
  try {
    action();
  } catch (err) {
    throw refused(path, `${problem} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function refused(path: string, problem: string): StartupError {
  return new StartupError(`Invalid configuration:\n  SQLITE_PATH: "${path}" ${problem}`);
}
