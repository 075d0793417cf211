#!/usr/bin/env bash
# AWS's CloudFormation linter, which the template tests run
# (plugins/bpa-node/src/plan/cloudformation/cfnLint.test.ts): kept when one
# already runs (cfn-lint on the PATH), else installed with pip into a
# virtualenv in the tools cache, where the tests also look. Idempotent.
set -euo pipefail
CFN_LINT_VERSION=1.51.0
DIR="${BPA_TOOLS_DIR:-$HOME/.cache/bpa-tools}/cfn-lint"
runs() { "$1" --version >/dev/null 2>&1; }
if command -v cfn-lint >/dev/null 2>&1 && runs cfn-lint; then exit 0; fi
if [ -x "$DIR/bin/cfn-lint" ] && runs "$DIR/bin/cfn-lint"; then exit 0; fi

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  echo "==> installing Debian packages: python3 python3-venv"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
fi
echo "==> installing cfn-lint $CFN_LINT_VERSION into $DIR"
rm -rf "$DIR"
python3 -m venv "$DIR"
"$DIR/bin/pip" install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
"$DIR/bin/cfn-lint" --version
