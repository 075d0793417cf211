#!/usr/bin/env bash
# Command 1 of the README: install everything and start the portal on its
# embedded default (in-memory SQLite, guest sign-in) at http://localhost:3000.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BPA_ROOT"
bash scripts/install.sh
echo "==> starting the portal: app http://localhost:3000, backend http://localhost:7007"
exec yarn start
