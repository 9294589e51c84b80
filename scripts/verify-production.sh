#!/usr/bin/env bash
# Runs the Dockerfile's commands on a fresh copy of the committed tree, without a
# container runtime: a build stage (npm ci, npm run build), a production-deps stage
# (npm ci --omit=dev --omit=optional), and the runtime stage's files only (package.json,
# node_modules, dist, scripts/healthcheck.js, scripts/node-flags.js). Then starts it with
# `npm run start:prod` as NODE_ENV=production, waits for the HEALTHCHECK command
# to pass, checks /health/full and a login, and sends SIGTERM: exit 0 expected.
# Every stage runs on the Node.js major the image is built from (the Dockerfile's
# NODE_VERSION; scripts/image-node.sh fetches it when this machine's is another).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-prod-XXXXXX")"
PID=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

# The image's Node.js (the Dockerfile's ARG NODE_VERSION), when this machine's is another major.
NODE_HOME="$(bash "$ROOT/scripts/image-node.sh" "$WORK/node")"
if [ -n "$NODE_HOME" ]; then
  export PATH="$NODE_HOME/bin:$PATH"
  # Native modules that compile from source (sqlite3) take this Node's own headers, as in the image.
  export npm_config_nodedir="$NODE_HOME"
fi
step "node $(node -v), npm $(npm -v)"

step "fresh copy of $(git -C "$ROOT" rev-parse --short HEAD) (committed files only)"
git clone -q --no-hardlinks "$ROOT" "$WORK/src"

# The two stages are independent (as BuildKit runs them): in parallel, each with its own log.
step "build stage (npm ci && npm run build) and production-deps stage (npm ci --omit=dev --omit=optional), in parallel"
mkdir -p "$WORK/build" "$WORK/deps"
( cd "$WORK/src" && cp package.json package-lock.json tsconfig.json tsconfig.build.json nest-cli.json "$WORK/build/" && cp -r src migrations "$WORK/build/" )
cp "$WORK/src/package.json" "$WORK/src/package-lock.json" "$WORK/deps/"
# As the Dockerfile does: the client workspace's manifest only (npm ci wants it; the image does not build the SDK).
for stage in build deps; do mkdir -p "$WORK/$stage/packages/client" && cp "$WORK/src/packages/client/package.json" "$WORK/$stage/packages/client/"; done
( cd "$WORK/build" && npm ci --no-audit --no-fund --loglevel=error && npm run build:server ) >"$WORK/build.log" 2>&1 &
BUILD=$!
( cd "$WORK/deps" && npm ci --omit=dev --omit=optional --no-audit --no-fund --loglevel=error ) >"$WORK/deps.log" 2>&1 &
DEPS=$!
# Both waited for before judging, so no install is left running when this exits.
build_rc=0; wait "$BUILD" || build_rc=$?
deps_rc=0; wait "$DEPS" || deps_rc=$?
if [ "$build_rc" -ne 0 ]; then echo "build stage failed:" >&2; cat "$WORK/build.log" >&2; exit 1; fi
if [ "$deps_rc" -ne 0 ]; then echo "production-deps stage failed:" >&2; cat "$WORK/deps.log" >&2; exit 1; fi
echo "both stages done"
# Neither the build tools nor TypeScript (--omit=optional: see the Dockerfile's prod-deps stage).
for dev in @nestjs/cli jest supertest typescript ts-node; do
  if [ -d "$WORK/deps/node_modules/$dev" ]; then echo "$dev was installed with --omit=dev --omit=optional" >&2; exit 1; fi
done

step "runtime stage: package.json, node_modules, dist, scripts/healthcheck.js, scripts/node-flags.js"
APP="$WORK/app"
mkdir -p "$APP/scripts" "$APP/data"
cp "$WORK/src/package.json" "$APP/"
mv "$WORK/deps/node_modules" "$APP/node_modules"
mv "$WORK/build/dist" "$APP/dist"
cp "$WORK/src/scripts/healthcheck.js" "$WORK/src/scripts/node-flags.js" "$APP/scripts/"

PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
step "npm run start:prod on port $PORT"
( cd "$APP" && exec env -i PATH="$PATH" HOME="$WORK" NODE_ENV=production PORT="$PORT" HOST=127.0.0.1 \
    SQLITE_PATH="$APP/data/portcullis.sqlite" JWT_SECRET="verify-production-secret-0123456789-abcdef" \
    ADMIN_EMAIL=admin@example.test ADMIN_PASSWORD=verify-admin-password-1 \
    npm run -s start:prod >"$WORK/out.log" 2>"$WORK/err.log" ) &
PID=$!

healthy=""
for _ in $(seq 1 60); do
  if ( cd "$APP" && PORT="$PORT" node scripts/healthcheck.js ); then healthy=yes; break; fi
  if ! kill -0 "$PID" 2>/dev/null; then break; fi
  sleep 0.5
done
if [ -z "$healthy" ]; then
  echo "the production build never became healthy" >&2; cat "$WORK/err.log" >&2; tail -n 20 "$WORK/out.log" >&2; exit 1
fi
echo "HEALTHCHECK (node scripts/healthcheck.js) passed"
# start:prod takes its flags from scripts/node-flags.js for the Node it runs on; on the image's Node they are the CMD's.
image_flags="$(sed -n 's/^CMD \["node", \(.*\), "dist\/src\/main.js"\]$/\1/p' "$WORK/src/Dockerfile" | sed 's/"//g; s/, / /g')"
server_pid="$(ss -Hltnp "sport = :$PORT" | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2)"
server_flags="$(tr '\0' '\n' < "/proc/$server_pid/cmdline" | sed '1d;$d' | paste -sd ' ')"
if [ -z "$image_flags" ] || [ "$server_flags" != "$image_flags" ]; then
  echo "start:prod ran node with '$server_flags', the image's CMD with '$image_flags'" >&2; exit 1
fi
echo "node flags as the image's CMD: $server_flags"
grep -q '"wsMasking":"native"' "$WORK/out.log" || { echo "ws does not unmask natively (bufferutil did not load):" >&2; grep '"listening"' "$WORK/out.log" >&2; exit 1; }
echo "ws unmasks client frames natively (bufferutil)"
curl -fsS "http://127.0.0.1:$PORT/health/full"; echo
curl -fsS -o /dev/null -H 'content-type: application/json' \
  -d '{"email":"admin@example.test","password":"verify-admin-password-1"}' "http://127.0.0.1:$PORT/v1/auth/login"
echo "login as the ADMIN_EMAIL admin: 200"

step "SIGTERM"
kill -TERM "$PID"
code=0; wait "$PID" || code=$?
PID=""
grep -q '"msg":"shutdown finished"' "$WORK/out.log" || { echo "no shutdown line" >&2; exit 1; }
if [ "$code" -ne 0 ]; then echo "exit code $code after SIGTERM" >&2; cat "$WORK/err.log" >&2; exit 1; fi
echo "exited 0 after SIGTERM"
echo "production install verified"
