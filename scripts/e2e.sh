#!/usr/bin/env bash
# Starts the portal on its embedded default, waits until app and backend
# answer, runs the Playwright browser tests in Debian's Chromium, stops the
# portal by process id. Screenshots land in <out>/screenshots.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
set +e
cd "$BPA_ROOT"
OUT="${1:-$BPA_ROOT/.ci-out}"
mkdir -p "$OUT/screenshots"
export BPA_SCREENSHOTS="$OUT/screenshots"

setsid yarn start > "$OUT/portal.log" 2>&1 &
PORTAL_PID=$!
stop_portal() { kill -TERM -- -"$PORTAL_PID" 2>/dev/null; wait "$PORTAL_PID" 2>/dev/null; }
trap stop_portal EXIT

wait_for() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$url"; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$PORTAL_PID" 2>/dev/null; then
      echo "portal did not answer at $url; last lines of its log:"; tail -40 "$OUT/portal.log"; return 1
    fi
    sleep 2
  done
}
started=$SECONDS
wait_for http://localhost:7007/.backstage/health/v1/readiness 300 || exit 1
wait_for http://localhost:3000 600 || exit 1
echo "portal up in $((SECONDS - started)) s"

cd packages/app
PLAYWRIGHT_JSON_OUTPUT_NAME="$OUT/playwright.json" yarn playwright test --config playwright.config.ts
