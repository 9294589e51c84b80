# syntax=docker/dockerfile:1
# Portcullis: multi-stage build, non-root runtime, HEALTHCHECK on /health.
# scripts/verify-production.sh runs these same stages on a fresh copy without Docker (CI does).
# Node.js 26 (the active LTS; 24 is in maintenance, 20 left support on 2026-04-30): with the same start flags,
# the 19,000-socket soak held 7.2-8.0 KiB of RSS per socket in three runs on 26 (loop max 81, 89 and 157 ms),
# against 8.2 KiB (103 ms) for 24 on a like stretch (docs/deployment.md, *Which Node.js*). scripts/image-node.sh reads this line:
# CI runs the tests on that major as well as on the machine's own (20), and scripts/verify-production.sh runs
# the image's stages on it.
ARG NODE_VERSION=26

# Toolchain for native modules (sqlite3, argon2 compile when no prebuilt binary can be fetched).
FROM node:${NODE_VERSION}-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# 1. Build: every dependency, then `nest build` into dist/.
FROM toolchain AS build
COPY package.json package-lock.json ./
# The lock file names the client SDK workspace: npm ci wants its manifest, though the image never builds the SDK.
COPY packages/client/package.json ./packages/client/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build:server

# 2. Production dependencies only. --omit=optional as well: the lock file marks typescript and ts-node
# "devOptional" (dev tools here, and an optional peer of typeorm), which --omit=dev alone still installs;
# the rest it drops is node-gyp and its helpers (npm's own builds sqlite3) and pg-cloudflare (Workers only).
FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/package.json
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund && npm cache clean --force

# 3. Runtime: no compiler, no sources, no dev dependencies, not root.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    SQLITE_PATH=/data/portcullis.sqlite
WORKDIR /app
COPY --chown=node:node package.json ./
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node scripts/healthcheck.js scripts/node-flags.js ./scripts/
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# The embedded SQLite file lives here when DB_TYPE=sqlite.
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 CMD ["node", "scripts/healthcheck.js"]
# Node is PID 1 and handles SIGTERM itself (sockets get 1001, then exit 0): no shell in between.
STOPSIGNAL SIGTERM
# --single-threaded-gc: one instance per core (docs/capacity.md). On that one core V8's concurrent marking
# threads took turns with the event loop for hundreds of ms at every major GC (stalls of 100-550 ms in the
# 19,000-socket soak); the GC work is the same CPU, done on the main thread. --max-semi-space-size=4: a young
# generation of 2 x 4 MiB instead of V8's 2 x 16 MiB (~24 MiB less RSS under load, shorter scavenges;
# docs/deployment.md). --incremental-marking-soft-trigger=50: a major GC starts marking once half the room
# left after the last one is used, not when only a young generation's worth is left, so the marking on the
# main thread is spread thinner (docs/deployment.md). --heap-growing-percent=50: the next major GC once the
# old generation has grown by half, not by V8's own factor: on Node 24 the soak's loop max was 70-99 ms with
# no window stalled >= 100 ms in four runs (105-114 ms, 1 of 72, in two without it), ~3 points less CPU,
# connects no dearer (docs/deployment.md). --memory-balancer (V8 13 and later, so Node 24 and 26, not 20): the old
# generation's limit follows the measured allocation rate and marking speed; on Node 24 the soak held 7.95-8.04
# KiB of RSS per socket instead of 8.3-9.8, with no stall (docs/deployment.md). --initial-old-space-size=128 (with
# the balancer): a 128 MB floor under its limit, which after an idle stretch sits ~2 MB above the live heap, so
# connects on a small instance meet a quarter of the major GCs (below the ~180 MB an instance holds at its design
# load, where the floor does nothing; docs/deployment.md). The flags `npm run start:prod`
# gets from scripts/node-flags.js on this Node.
CMD ["node", "--single-threaded-gc", "--max-semi-space-size=4", "--incremental-marking-soft-trigger=50", "--heap-growing-percent=50", "--memory-balancer", "--initial-old-space-size=128", "dist/src/main.js"]
