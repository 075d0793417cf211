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
setsid yarn workspace backend start --config ../../app-config.yaml --config ../../app-config.production.yaml \
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
echo "production smoke: ok (catalog in PostgreSQL database backstage_plugin_catalog, BPA template ingested)"
