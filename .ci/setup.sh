#!/bin/sh
# Installs what the project needs on a machine that has only Node 20 and npm:
# pnpm at the pinned version, the workspace's dependencies, then builds every package.
set -e
cd "$(dirname "$0")/.."
PNPM_VERSION=12.21.0
if [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm i -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || {
    echo "setup: 'npm i -g pnpm@$PNPM_VERSION' failed (no write access to npm's global prefix?)." >&2
    echo "setup: install it yourself (e.g. 'corepack enable' or 'npm i -g pnpm@$PNPM_VERSION' with sudo) and run again." >&2
    exit 1
  }
fi
# better-sqlite3 has no usable prebuilt binary here and compiles from source: node-gyp needs
# Node's headers, which Debian's nodejs and the official images keep under /usr or the prefix.
if [ -z "$npm_config_nodedir" ]; then
  for d in /usr "$(dirname "$(dirname "$(command -v node)")")"; do
    if [ -f "$d/include/node/node.h" ]; then export npm_config_nodedir="$d"; break; fi
  done
fi
if [ -f pnpm-lock.yaml ]; then
  pnpm install --frozen-lockfile --reporter=append-only
else
  pnpm install --reporter=append-only
fi
pnpm -r --reporter=append-only build
