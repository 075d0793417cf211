#!/usr/bin/env bash
# Installs everything the portal and the tests need: Node 22, Yarn's
# dependencies, and (with --system) the Debian packages the tests use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BPA_ROOT"
if [ "${1:-}" = "--system" ]; then
  bash scripts/system-deps.sh
  bash scripts/python-tools.sh
fi
echo "==> yarn install"
yarn install --immutable

# Keep better-sqlite3's compiled binary where prebuild-install looks first
# (env.sh: npm_config_better_sqlite3_local_prebuilds), named as its release
# assets are, so the next install on this machine — a fresh clone's too —
# unpacks it instead of compiling SQLite again.
prebuilt=$(node -p 'const p=require("./node_modules/better-sqlite3/package.json");`${p.name}-v${p.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`')
if [ ! -f "$npm_config_better_sqlite3_local_prebuilds/$prebuilt" ] &&
  [ -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  mkdir -p "$npm_config_better_sqlite3_local_prebuilds"
  tar -czf "$npm_config_better_sqlite3_local_prebuilds/$prebuilt.tmp" -C node_modules/better-sqlite3 build/Release/better_sqlite3.node
  mv "$npm_config_better_sqlite3_local_prebuilds/$prebuilt.tmp" "$npm_config_better_sqlite3_local_prebuilds/$prebuilt"
  echo "==> kept better-sqlite3's binary for the next install: $npm_config_better_sqlite3_local_prebuilds/$prebuilt"
fi
