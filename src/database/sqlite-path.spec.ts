import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../common/errors/startup-error';
import { prepareSqlitePath } from './sqlite-path';

describe('prepareSqlitePath', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'portcullis-sqlite-path-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (path: string): string => {
    try {
      prepareSqlitePath(path);
    } catch (err) {
      expect(err).toBeInstanceOf(StartupError);
      return (err as Error).message;
    }
    throw new Error(`expected ${path} to be refused`);
  };

  it('creates missing directories, leaves no probe file behind, and accepts an existing database file', () => {
    const path = join(dir, 'a', 'b', 'db.sqlite');
    prepareSqlitePath(path);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual([]);
    writeFileSync(path, '');
    expect(() => prepareSqlitePath(path)).not.toThrow();
    expect(() => prepareSqlitePath(':memory:')).not.toThrow();
  });

  it('refuses a directory, and a path below a file, naming SQLITE_PATH', () => {
    mkdirSync(join(dir, 'sub'));
    expect(refusal(join(dir, 'sub'))).toMatch(/SQLITE_PATH: ".*sub" is a directory/);
    writeFileSync(join(dir, 'file'), '');
    expect(refusal(join(dir, 'file', 'x', 'db.sqlite'))).toMatch(/SQLITE_PATH: .* is not a directory/);
    expect(existsSync(join(dir, 'file', 'x'))).toBe(false);
  });

  // mkdirSync(..., { recursive: true }) never returns here on Linux (procfs answers ENOENT under an existing parent).
  (existsSync('/proc/self') ? it : it.skip)('refuses a path under /proc at once instead of spinning', () => {
    expect(refusal('/proc/nope/x.sqlite')).toMatch(/SQLITE_PATH: "\/proc\/nope\/x.sqlite" cannot be created: mkdir \/proc\/nope failed \(ENOENT\)/);
  });
});
