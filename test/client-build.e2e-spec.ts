/**
 * `npm run build -w @portcullis/client` makes what package.json promises: an
 * ESM build, a CommonJS build and type declarations for both, each loadable
 * through the package's exports as a consumer would (a fresh node process).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const PKG = join(ROOT, 'packages', 'client');
const node = (args: string[]) => execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }).trim();

jest.setTimeout(120_000);

describe('@portcullis/client build', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', 'build', '-w', '@portcullis/client'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  });

  it('loads through require() and import, main and react entries alike', () => {
    expect(node(['-e', "const c = require('@portcullis/client'); console.log(typeof c.PortcullisClient, c.CLOSE.SERVER_BUSY.code)"])).toBe('function 1013');
    expect(node(['--input-type=module', '-e', "import { PortcullisClient, CLOSED_BY_ADMIN } from '@portcullis/client'; console.log(typeof PortcullisClient, CLOSED_BY_ADMIN)"])).toBe('function CLOSED_BY_ADMIN');
    expect(node(['-e', "console.log(Object.keys(require('@portcullis/client/react')).sort().join())"])).toBe('useConversation,useReflectionStream');
    expect(node(['--input-type=module', '-e', "import { useConversation } from '@portcullis/client/react'; console.log(typeof useConversation)"])).toBe('function');
  });

  it('ships type declarations for both builds', () => {
    for (const build of ['esm', 'cjs']) {
      for (const file of ['index.d.ts', 'react/index.d.ts', 'client.d.ts', 'protocol.generated.d.ts']) expect([build, file, existsSync(join(PKG, 'dist', build, file))]).toEqual([build, file, true]);
    }
  });
});
