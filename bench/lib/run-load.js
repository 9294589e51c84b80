'use strict';
const path = require('node:path');
const { spawnPinned, cpuUs } = require('./proc');

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Runs one load-generator process (bench/load/client.js) on CPU 0 against
 * `server`; samples the server's CPU at the generator's marks (`serverCpuUs`
 * in the result). `cfg.nodeArgs`: node flags for the generator.
 * `onHolding(info)`: the generator holds its sockets open until it resolves.
 */
function runLoad(server, { nodeArgs = [], ...cfg }, { onHolding, timeoutMs = 180000 } = {}) {
  return new Promise((resolve) => {
    // nodeArgs: node flags for the generator itself (the fixed-rate scenario caps its young generation, bench/run.js).
    const child = spawnPinned(0, [...nodeArgs, path.join(ROOT, 'bench', 'load', 'client.js'), JSON.stringify({ ...cfg, target: server.target, deadlineMs: timeoutMs - 10000 })], { cwd: ROOT });
    let buf = ''; let err = ''; let cpuA = NaN; let cpuB = NaN; let result = null;
    const kill = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.stderr.on('data', (d) => { err = (err + d).slice(-2000); });
    child.stdout.on('data', async (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        if (line === 'MARK start') cpuA = cpuUs(server.pid);
        else if (line === 'MARK end') cpuB = cpuUs(server.pid);
        else if (line.startsWith('HOLDING ')) {
          const info = JSON.parse(line.slice(8));
          try { await onHolding(info); } finally { child.stdin.write('release\n'); }
        } else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7));
      }
    });
    child.on('exit', () => {
      clearTimeout(kill);
      if (!result) result = { error: `load generator exited without a result: ${err.trim().split('\n').slice(-3).join(' | ')}` };
      result.serverCpuUs = cpuB - cpuA;
      resolve(result);
    });
  });
}

module.exports = { runLoad };
