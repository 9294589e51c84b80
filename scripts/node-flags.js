#!/usr/bin/env node
'use strict';
// The V8 flags the service runs with, for the Node.js running this script
// (docs/deployment.md, *One core per instance*). `npm start` and
// `npm run start:prod` run `node $(node scripts/node-flags.js) dist/src/main.js`;
// the image's CMD lists the same flags literally for the image's Node (26), and
// test/deployment.e2e-spec.ts keeps the two in step. Prints one line.
const { spawnSync } = require('node:child_process');

/** On every Node.js the service supports (>= 20). */
const ALWAYS = ['--single-threaded-gc', '--max-semi-space-size=4', '--incremental-marking-soft-trigger=50', '--heap-growing-percent=50'];

/**
 * Only on V8 13 or later (Node 24, and 26, the image's), where they were measured, and
 * only when this node accepts them: an unknown V8 flag stops node at start
 * ("bad option"), and Node 20's V8 has no memory balancer.
 *
 * --memory-balancer: V8 sets the old generation's limit from the measured
 * allocation rate and marking speed, once a second, instead of by a growth
 * factor; on Node 24 the 19,000-socket soak held 7.95-8.04 KiB of RSS per
 * socket instead of 8.3-9.8, with no stall (docs/capacity.md §2).
 *
 * --initial-old-space-size=128: a floor of 128 MB under that limit. After an
 * idle stretch the measured rate is near zero, and the balancer sets the limit
 * ~2 MB above what is live (~40 MB on a small instance), so a burst of
 * connects met an extra major GC or two (a 64 MB floor took 1-2 instead of
 * 2-4). At 64 MB a long run of connects still met a major GC every ~2,000
 * (~50 MB stays live while 32 are in flight); at 128 MB it meets a quarter as
 * many: 0.88-0.95x the CPU per header connect and 0.84-1.04x per first-frame
 * connect of the 64 MB build, in three A/Bs (docs/deployment.md). 128 MB is below what an instance at its design
 * load holds anyway (~110 MB live, ~180 MB held at the soak's 19,000 sockets),
 * where the balancer's own limit is above it and the floor does nothing; what
 * it costs is on a small, busy instance: up to 128 MB of old space before a
 * major GC instead of ~60.
 */
const FROM_V8_13 = ['--memory-balancer', '--initial-old-space-size=128'];

/** Every flag the image's CMD lists (its Node has all of them). */
const ALL = [...ALWAYS, ...FROM_V8_13];

function accepts(node, flags) {
  return spawnSync(node, [...flags, '-e', ''], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** The flags for `node` (default: the one running this), whose V8 version is `v8`. The floor only with the balancer: both or neither. */
function nodeFlags(node = process.execPath, v8 = process.versions.v8) {
  const major = Number(v8.split('.')[0]);
  return [...ALWAYS, ...(major >= 13 && accepts(node, FROM_V8_13) ? FROM_V8_13 : [])];
}

module.exports = { ALWAYS, FROM_V8_13, ALL, nodeFlags };

if (require.main === module) process.stdout.write(`${nodeFlags().join(' ')}\n`);
