'use strict';
// Preloaded (node -r) into every server under test, including Portcullis.
// Opens a tiny side channel on 127.0.0.1:BENCH_PROBE_PORT so the runner can ask
// for memory after a full GC. Needs --expose-gc. Adds no work to the server's
// request path.
const http = require('node:http');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const port = Number(process.env.BENCH_PROBE_PORT || 0);
if (port) {
  // Event-loop delay, for the re-auth scenario: /eld/reset starts a window, /eld reads it (ms).
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const srv = http.createServer((req, res) => {
    if (req.url === '/eld/reset') { eld.reset(); res.end('{}'); return; }
    if (req.url === '/eld') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6, mean: eld.mean / 1e6 }));
      return;
    }
    if (req.url === '/mem') {
      if (typeof global.gc === 'function') { global.gc(); global.gc(); }
      const m = process.memoryUsage();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, gc: typeof global.gc === 'function' }));
    } else { res.statusCode = 404; res.end(); }
  });
  srv.listen(port, '127.0.0.1');
  srv.unref();
}
