#!/usr/bin/env bash
# Installs the Debian packages the tests run for real: PostgreSQL (bootstrap
# SQL, production database), Chromium (browser tests), skopeo (the portal's
# image copier, bpa:ecr:mirror) and docker-registry (the distribution
# registry the mirror tests start twice on loopback). Idempotent.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
[ -x /usr/bin/skopeo ] || need+=(skopeo)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
