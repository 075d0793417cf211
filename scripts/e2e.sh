#!/usr/bin/env bash
# Starts a lab cluster (scripts/lab-cluster.js: a real kube-apiserver holding
# an applied BPA release, and the applied environment bpa-lab), then the
# portal on its embedded default pointed at it (the live status and
# Backstage's Kubernetes plugin), waits until app and backend
# answer, runs the Playwright browser tests in Debian's Chromium, stops both
# by process id. Screenshots land in <out>/screenshots. Arguments after
# <out> go to Playwright (`--grep "Kubernetes tab"`).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
set +e
cd "$BPA_ROOT"
OUT="${1:-$BPA_ROOT/.ci-out}"
mkdir -p "$OUT/screenshots"
export BPA_SCREENSHOTS="$OUT/screenshots"

# The lab cluster: built (or found) by kube-apiserver.sh, as for the tests.
LAB="$OUT/lab"
rm -rf "$LAB"
bash scripts/kube-apiserver.sh > /dev/null || exit 1
setsid yarn node scripts/lab-cluster.js "$LAB" > "$OUT/lab.log" 2>&1 &
LAB_PID=$!
PORTAL_PID=""
stop_all() {
  [ -n "$PORTAL_PID" ] && { kill -TERM -- -"$PORTAL_PID" 2>/dev/null; wait "$PORTAL_PID" 2>/dev/null; }
  kill -TERM "$LAB_PID" 2>/dev/null; wait "$LAB_PID" 2>/dev/null
}
trap stop_all EXIT
for _ in $(seq 1 120); do
  [ -f "$LAB/ready" ] && break
  if ! kill -0 "$LAB_PID" 2>/dev/null; then echo "lab cluster failed:"; tail -20 "$OUT/lab.log"; exit 1; fi
  sleep 1
done
[ -f "$LAB/ready" ] || { echo "lab cluster not ready in 120 s"; tail -20 "$OUT/lab.log"; exit 1; }

# The portal reads the lab's cluster and environments; its environments
# (the browser test's too) stay in $LAB. AWS calls go to a closed port: the
# test never reaches a real AWS account, and the status shows AWS as not
# answering.
export APP_CONFIG_bpa_kubernetes_kubeconfig="$LAB/kubeconfig"
export APP_CONFIG_bpa_catalog_entitiesDirectory="$LAB/environments"
# Backstage's Kubernetes plugin: the catalog locator of app-config.yaml and
# the lab cluster, from its kubeconfig (the environment's EKS cluster name).
APP_CONFIG_kubernetes_clusterLocatorMethods="$(cat "$LAB/kubernetes-clusters.json")"
export APP_CONFIG_kubernetes_clusterLocatorMethods
# The lab's Kubernetes 1.20 serves CronJobs as batch/v1beta1 and HPAs as
# autoscaling/v1 only (the plugin's batch/v1 and autoscaling/v2 get 404s,
# shown as a retrieval problem on the tab). EKS serves both: app-config keeps the default.
export APP_CONFIG_kubernetes_apiVersionOverrides='{"cronjobs":"v1beta1","horizontalpodautoscalers":"v1"}'
export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_ACCESS_KEY_ID=lab AWS_SECRET_ACCESS_KEY=lab AWS_EC2_METADATA_DISABLED=true

# The tests must reach this portal, not one something else left on the ports.
for port in 3000 7007; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is already in use: stop what listens there (or run under flock /tmp/bpa-ports.lock)"; exit 1
  fi
done
setsid yarn start > "$OUT/portal.log" 2>&1 &
PORTAL_PID=$!

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
PLAYWRIGHT_JSON_OUTPUT_NAME="$OUT/playwright.json" yarn playwright test --config playwright.config.ts "${@:2}"
