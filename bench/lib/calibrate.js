'use strict';
// A fixed piece of CPU work, timed on the server's CPU: this machine's speed
// drifts from hour to hour (other tenants), so each report prints how long the
// same work took, and figures from different runs can be put side by side.
// `node bench/lib/calibrate.js` prints the milliseconds; calibrate() runs it pinned.
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');

function work() {
  const key = crypto.createSecretKey(Buffer.alloc(32, 7));
  const frame = { type: 'chat_message', id: 'c-1', timestamp: new Date(0).toISOString(), payload: { content: 'x'.repeat(100) } };
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 60000; i++) {
    const text = JSON.stringify({ ...frame, id: `c-${i}` });
    sink += JSON.parse(text).id.length;
    sink += crypto.createHmac('sha256', key).update(text).digest()[0];
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, sink };
}

/** Best of 3 runs of the fixed work, in ms, on `cpu` (taskset) when given. */
function calibrate(cpu) {
  const pin = cpu != null ? ['taskset', ['-c', String(cpu), process.execPath, __filename]] : [process.execPath, [__filename]];
  try {
    return Number(execFileSync(pin[0], pin[1]).toString().trim());
  } catch {
    return NaN;
  }
}

if (require.main === module) {
  const best = Math.min(...[0, 1, 2].map(() => work().ms));
  process.stdout.write(`${best.toFixed(0)}\n`);
}

module.exports = { calibrate };
