import { execFileSync } from 'node:child_process';
import { wsMasking } from './ws-masking';

/** wsMasking() in a fresh node process (ws reads WS_NO_BUFFER_UTIL once, when it loads). */
const inChild = (env: NodeJS.ProcessEnv): string =>
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', "process.stdout.write(require('./src/realtime/ws-masking').wsMasking())"], {
    cwd: `${__dirname}/../..`, env: { ...process.env, ...env },
  }).toString();

describe('wsMasking', () => {
  it('finds ws unmasking client frames through bufferutil in this install', () => {
    expect(wsMasking()).toBe('native');
  });

  it('leaves bufferutil as it found it', () => {
    const native = require('bufferutil') as { unmask: () => void };
    const before = native.unmask;
    wsMasking();
    expect(native.unmask).toBe(before);
  });

  it('reports JavaScript when ws was told not to use bufferutil', () => {
    expect(inChild({ WS_NO_BUFFER_UTIL: '1' })).toBe('javascript');
    expect(inChild({})).toBe('native');
  });
});
