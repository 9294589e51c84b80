import { execFileSync } from 'node:child_process';
import { wsMasking } from './ws-masking';

/** wsMasking() in a fresh node process (ws reads WS_NO_BUFFER_UTIL once, when it loads). */
const inChild = (env: NodeJS.ProcessEnv): string =>
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "process.stdout.write(require('./src/realtime/ws-masking').wsMasking())"], {
    cwd: `${__dirname}/../..`, env: { ...process.env, ...env },
  }).toString();

describe('wsMasking', () => {
  it('finds ws unmasking client frames natively in this install (bufferutil, or Node\'s own from 26)', () => {
    expect(wsMasking()).toBe('native');
  });

  it('leaves bufferutil as it found it', () => {
    const native = require('bufferutil') as { unmask: () => void };
    const before = native.unmask;
    wsMasking();
    expect(native.unmask).toBe(before);
  });

  it('reports JavaScript when ws was told not to use bufferutil, unless Node.js unmasks itself (from 26)', () => {
    // ws prefers Node's own websocketUnmask where there is one, whatever WS_NO_BUFFER_UTIL says.
    const nodeUnmasks = typeof (require('node:http') as { websocketUnmask?: unknown }).websocketUnmask === 'function';
    expect(inChild({ WS_NO_BUFFER_UTIL: '1' })).toBe(nodeUnmasks ? 'native' : 'javascript');
    expect(inChild({})).toBe('native');
  });
});
