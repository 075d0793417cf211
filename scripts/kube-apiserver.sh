#!/usr/bin/env bash
# Provides the kube-apiserver and etcd binaries the in-cluster integration
# tests run for real (there is no kind/k3s/docker on these machines).
# Idempotent; prints the directory holding both binaries on its last line.
#
#   1. KUBEBUILDER_ASSETS set (controller-runtime envtest layout): use it.
#   2. ${BPA_TOOLS_DIR:-$HOME/.cache/bpa-tools}/kube holds a previous build: use it.
#   3. Otherwise build kube-apiserver offline from Debian's `kubernetes`
#      source package (vendored Go modules, Debian's golang-go; ~9 min on
#      2 cores) and install Debian's etcd-server.
#
# The tests find the binaries through KUBEBUILDER_ASSETS or the cache dir.
set -euo pipefail

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for bin in kube-apiserver etcd; do
    if [ ! -x "$KUBEBUILDER_ASSETS/$bin" ]; then
      echo "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $bin" >&2
      exit 1
    fi
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

KUBE_DIR="${BPA_TOOLS_DIR:-$HOME/.cache/bpa-tools}/kube"
mkdir -p "$KUBE_DIR"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# etcd: Debian's etcd-server (3.4). Linked into the cache dir so one
# directory holds both binaries, like KUBEBUILDER_ASSETS.
if [ ! -x "$KUBE_DIR/etcd" ]; then
  if ! command -v etcd >/dev/null 2>&1; then
    echo "==> installing etcd-server" >&2
    apt_install etcd-server
    # The package starts a system etcd on the default ports; the tests start
    # their own on free ports, so the service is not needed.
    if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now etcd >/dev/null 2>&1 || true; fi
  fi
  ln -sf "$(command -v etcd)" "$KUBE_DIR/etcd"
fi

# Bump when the build below changes: a binary from an older recipe is rebuilt.
RECIPE="debian-1.20.2+reflect2-1.0.2"
if [ ! -x "$KUBE_DIR/kube-apiserver" ] || [ "$(cat "$KUBE_DIR/recipe" 2>/dev/null)" != "$RECIPE" ]; then
  started=$(date +%s)
  echo "==> building kube-apiserver from Debian's kubernetes source package (~9 min)" >&2
  # Source entries beside the existing binary ones, so `apt-get source` works.
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    $SUDO tee /etc/apt/sources.list.d/bpa-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  need=()
  command -v go >/dev/null 2>&1 || need+=(golang-go)
  command -v make >/dev/null 2>&1 || need+=(make)
  command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
  command -v rsync >/dev/null 2>&1 || need+=(rsync)
  REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2
  [ -d "$REFLECT2" ] || need+=(golang-github-modern-go-reflect2-dev)
  if [ ${#need[@]} -gt 0 ]; then
    echo "==> installing build tools: ${need[*]}" >&2
    apt_install "${need[@]}"
  else
    $SUDO apt-get update -qq
  fi
  BUILD_DIR="$KUBE_DIR/build"
  rm -rf "$BUILD_DIR" && mkdir -p "$BUILD_DIR"
  (cd "$BUILD_DIR" && apt-get source -qq kubernetes >/dev/null)
  SRC_DIR=$(find "$BUILD_DIR" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
  # Kubernetes 1.20 vendors reflect2 1.0.1, which crashes under Go >= 1.18
  # when it encodes custom resources (fatal error: fault, in mapiterinit);
  # Debian's reflect2 1.0.2 is the upstream fix, same API.
  rm -rf "$SRC_DIR/vendor/github.com/modern-go/reflect2"
  mkdir -p "$SRC_DIR/vendor/github.com/modern-go/reflect2"
  find "$REFLECT2" -maxdepth 1 -type f \( -name '*.go' ! -name '*_test.go' -o -name LICENSE \) \
    -exec cp {} "$SRC_DIR/vendor/github.com/modern-go/reflect2/" \;
  # Offline: every Go dependency is vendored in the source package.
  (cd "$SRC_DIR" && GOPROXY=off GOFLAGS=-mod=vendor CGO_ENABLED=0 \
    nice -n 10 make WHAT=cmd/kube-apiserver >&2)
  install -m 0755 "$(find "$SRC_DIR/_output" -type f -name kube-apiserver -perm -u+x | head -n 1)" \
    "$KUBE_DIR/kube-apiserver"
  echo "$RECIPE" > "$KUBE_DIR/recipe"
  rm -rf "$BUILD_DIR"
  echo "==> kube-apiserver built in $(( $(date +%s) - started )) s" >&2
fi

echo "$KUBE_DIR"
