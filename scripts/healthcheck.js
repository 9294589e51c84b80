#!/usr/bin/env node
// The container HEALTHCHECK: exit 0 when GET /health answers 200 within 3 s, 1 otherwise.
// Plain Node (the runtime image has no curl); reads PORT like the service does.
const port = process.env.PORT || 3000;
fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) })
  .then((res) => process.exit(res.status === 200 ? 0 : 1))
  .catch(() => process.exit(1));
