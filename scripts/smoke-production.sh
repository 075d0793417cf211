#!/usr/bin/env bash
# Smoke test of app-config.production.yaml: starts a real PostgreSQL server on
# 127.0.0.1 (fresh data directory), starts the backend on it, and checks that
# it becomes ready, keeps its catalog in PostgreSQL and has ingested the BPA
# template there. Prints "production smoke: ok" or exits non-zero.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$BPA_ROOT"
OUT="${1:-$BPA_ROOT/.ci-out}"
mkdir -p "$OUT"

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDATA_DIR=$(mktemp -d)
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
PASSWORD=$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PGDATA_DIR"
  as_pg=(runuser -u postgres -- env -C /)
fi
printf '%s\n' "$PASSWORD" > "$PGDATA_DIR/pw" && chmod 600 "$PGDATA_DIR/pw"
[ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR/pw"
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGDATA_DIR/data" -U backstage --pwfile="$PGDATA_DIR/pw" --auth=scram-sha-256 >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR/data" -l "$PGDATA_DIR/postgres.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDATA_DIR" start >/dev/null

BACKEND_PID=""
cleanup() {
  local status=$?
  set +e
  [ -n "$BACKEND_PID" ] && kill -TERM -- -"$BACKEND_PID" 2>/dev/null && wait "$BACKEND_PID" 2>/dev/null
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGDATA_DIR/data" -m fast stop >/dev/null 2>&1
  cp "$PGDATA_DIR/postgres.log" "$OUT/postgres.log" 2>/dev/null
  rm -rf "$PGDATA_DIR"
  exit $status
}
trap cleanup EXIT

export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=$PORT POSTGRES_USER=backstage POSTGRES_PASSWORD=$PASSWORD
export APP_CONFIG_backend_listen='127.0.0.1:7007'
# Production as the image runs it (packages/backend/Dockerfile): error
# answers carry no stack trace. A static token lets the checks below call
# the API as a service.
SMOKE_TOKEN=$(node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
export APP_CONFIG_backend_auth_externalAccess="[{\"type\":\"static\",\"options\":{\"token\":\"$SMOKE_TOKEN\",\"subject\":\"production-smoke\"}}]"
NODE_ENV=production setsid yarn workspace backend start --config ../../app-config.yaml --config ../../app-config.production.yaml \
  > "$OUT/backend-production.log" 2>&1 &
BACKEND_PID=$!

started=$SECONDS
until curl -sf -o /dev/null http://127.0.0.1:7007/.backstage/health/v1/readiness; do
  if [ $((SECONDS - started)) -gt 180 ] || ! kill -0 "$BACKEND_PID" 2>/dev/null; then
    echo "backend on PostgreSQL did not become ready"; tail -30 "$OUT/backend-production.log"; exit 1
  fi
  sleep 2
done
echo "backend on PostgreSQL ready in $((SECONDS - started)) s"

# The catalog lives in PostgreSQL and has ingested the BPA template.
query() { PGPASSWORD=$PASSWORD psql -h 127.0.0.1 -p "$PORT" -U backstage -d "$1" -tAc "$2"; }
for _ in $(seq 1 60); do
  n=$(query backstage_plugin_catalog "select count(*) from final_entities where final_entity like '%\"name\":\"bpa-environment\"%'" 2>/dev/null || echo 0)
  [ "${n:-0}" -ge 1 ] && break
  sleep 2
done
if [ "${n:-0}" -lt 1 ]; then
  echo "the BPA template never reached the catalog's PostgreSQL database"; exit 1
fi
# Errors answer with their status and no stack trace: a malformed path is
# a 400, an unknown environment a 404.
check_error() {
  local path=$1 expected=$2 body status
  body=$(curl -s -o - -w '\n%{http_code}' -H "Authorization: Bearer $SMOKE_TOKEN" "http://127.0.0.1:7007$path")
  status=${body##*$'\n'}; body=${body%$'\n'*}
  if [ "$status" != "$expected" ]; then echo "GET $path answered $status, not $expected: $body"; exit 1; fi
  if grep -q '"stack"' <<<"$body"; then echo "GET $path answered with a stack trace: $body"; exit 1; fi
  echo "GET $path: $status, no stack trace"
}
check_error /api/bpa/environments/default/%ff/status 400
check_error /api/bpa/environments/default/no-such-environment/status 404
echo "production smoke: ok (catalog in PostgreSQL database backstage_plugin_catalog, BPA template ingested; errors without stack traces)"
