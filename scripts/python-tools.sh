#!/usr/bin/env bash
# Installs the Python tools the tests run for real, into the Python they use
# (BPA_PYTHON, else python3): moto's server, a second implementation of the
# AWS APIs, and AWS's CloudFormation linter cfn-lint. Idempotent: nothing is
# installed when it runs already.
set -euo pipefail
PYTHON="${BPA_PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "==> installing Debian's python3 and pip"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3 python3-pip python3-venv >/dev/null
fi
if ! "$PYTHON" -c 'import moto.server, flask' >/dev/null 2>&1; then
  echo "==> installing moto[server] for $PYTHON"
  # Debian's python3 refuses pip installs into the system (PEP 668) unless told otherwise.
  "$PYTHON" -m pip install --quiet 'moto[server]' ||
    "$PYTHON" -m pip install --quiet --break-system-packages 'moto[server]'
fi
"$PYTHON" -c 'import moto; print("moto", moto.__version__)'
if ! "$PYTHON" -c 'import cfnlint.runner' >/dev/null 2>&1; then
  echo "==> installing cfn-lint for $PYTHON"
  "$PYTHON" -m pip install --quiet 'cfn-lint==1.51.0' ||
    "$PYTHON" -m pip install --quiet --break-system-packages 'cfn-lint==1.51.0'
fi
# The tests run it as this Python's module (bpa-test-utils cfnLint.ts), PATH or not.
"$PYTHON" -c 'import cfnlint.version; print("cfn-lint", cfnlint.version.__version__)'
