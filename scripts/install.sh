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
