'use strict';
// Preloaded (`node -r`) into a Portcullis server by the paired rounds: starts
// the baseline (bench/servers/baseline.js, bare `ws` + fast-jwt) inside the
// same process, on its own port (BENCH_INSIDE_PORT), before the service boots.
// Its connects then run the baseline's code in Portcullis's process: its heap,
// GC, timers and the state its code leaves in Node's shared functions. The
// baseline measured alone against the baseline measured here is what the
// process costs the same code; Portcullis against the baseline measured here
// is what Portcullis's own per-connect work costs (docs/capacity.md §1).
const port = process.env.BENCH_INSIDE_PORT;
if (port) {
  const servicePort = process.env.PORT;
  const sigterm = process.listeners('SIGTERM');
  process.env.PORT = port; // baseline.js listens on PORT, read synchronously as it loads
  try {
    require('./baseline');
  } finally {
    if (servicePort === undefined) delete process.env.PORT;
    else process.env.PORT = servicePort;
  }
  // baseline.js exits on SIGTERM; here the service's own shutdown decides.
  for (const l of process.listeners('SIGTERM')) if (!sigterm.includes(l)) process.removeListener('SIGTERM', l);
}
