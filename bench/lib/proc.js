'use strict';
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const { spawn, execFileSync } = require('node:child_process');
const os = require('node:os');

let CLK_TCK = 100;
try { CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch {}
let HAS_TASKSET = false;
try { execFileSync('taskset', ['-c', '0', 'true']); HAS_TASKSET = os.cpus().length >= 2; } catch {}

/** The fields of /proc/<pid>/stat from field 3 (state) on: f[0] is field 3. After the last ')', as the name may hold one. */
function statFields(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ');
}
/** utime+stime of a process, in microseconds, from /proc/<pid>/stat. */
function cpuUs(pid) {
  try {
    const f = statFields(pid);
    return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK; // fields 14, 15
  } catch { return NaN; }
}
/** Minor page faults of a process so far, from /proc/<pid>/stat (field 10). */
function minorFaults(pid) {
  try { return Number(statFields(pid)[7]); } catch { return NaN; }
}
function rssBytes(pid) {
  try { return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024; } catch { return NaN; }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Spawns `node <nodeArgs...>` pinned to `cpu` (taskset), with the soft fd limit
 * raised to the hard one. bash and taskset both exec, so child.pid is node's pid.
 */
function spawnPinned(cpu, nodeArgs, { env, cwd, stdio } = {}) {
  const q = (a) => `'${String(a).replace(/'/g, `'\\''`)}'`;
  const pin = HAS_TASKSET && cpu != null ? `taskset -c ${cpu} ` : '';
  const cmd = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${pin}${q(process.execPath)} ${nodeArgs.map(q).join(' ')}`;
  const merged = { ...process.env, ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return spawn('bash', ['-c', cmd], { env: merged, cwd, stdio: stdio || ['pipe', 'pipe', 'pipe'] });
}

/**
 * `agent`: e.g. a keep-alive http.Agent, for callers that make many requests (the soak's token refreshes).
 * A request that fails on a kept-alive socket the server had just closed (ECONNRESET / hang up with
 * `req.reusedSocket`, before any response) never reached the server: it is sent once more on a new
 * socket, as Node's documentation advises (http, request.reusedSocket). Safe for a refresh too.
 */
function httpJson(method, url, body, headers = {}, agent = undefined, retried = false) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, agent, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers }, timeout: 15000 }, (res) => {
      let buf = '';
      res.on('data', (c) => { buf += c; });
      res.on('end', () => { let json = null; try { json = JSON.parse(buf); } catch {} resolve({ status: res.statusCode, json, text: buf }); });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      const stale = req.reusedSocket && !retried && (err.code === 'ECONNRESET' || err.message === 'socket hang up');
      if (stale) httpJson(method, url, body, headers, agent, true).then(resolve, reject);
      else reject(err);
    });
    if (data) req.write(data);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * BENCH_SERVER_LOG=<file>: a server's whole stdout and stderr into one file, which ends once the child's stdio
 * has closed. Resolves then (at once when there is no file): a stop() that awaits it leaves the log written whole.
 */
function logToFile(child, file = process.env.BENCH_SERVER_LOG) {
  if (!file) return Promise.resolve();
  const f = fs.createWriteStream(file);
  child.stdout.pipe(f, { end: false }); child.stderr.pipe(f, { end: false });
  return new Promise((r) => child.once('close', () => f.end(r)));
}

module.exports = { cpuUs, minorFaults, rssBytes, freePort, spawnPinned, httpJson, sleep, logToFile, HAS_TASKSET, CLK_TCK };
