'use strict';
// Preloaded into a server by bench/promotion.js (`node -r`): a line `MARK <n>`
// on stdout at each SIGUSR2, to cut the stretch to read out of its
// --trace-gc-nvp log.
let n = 0;
process.on('SIGUSR2', () => { process.stdout.write(`MARK ${++n}\n`); });
