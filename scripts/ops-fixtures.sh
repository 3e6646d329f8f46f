#!/usr/bin/env bash
# Installs what the operations tests (crates/cli/tests/ops_*.rs) check the server's
# output with: the Prometheus Python client (PyPI, pinned), whose text-format parser
# reads /metrics as Prometheus would. It goes into a virtualenv outside the repository,
# so running the script again is cheap (skipped when the pinned version is there).
#
# Usage:  eval "$(scripts/ops-fixtures.sh)"   (exports AR_OPS_PYTHON)
# The folder defaults to /var/tmp/agentruntime-fixtures/ops-venv; set AR_OPS_VENV to
# use another. Progress goes to stderr, the export line to stdout.
set -euo pipefail

PROMETHEUS_CLIENT_VERSION="0.26.0"

venv="${AR_OPS_VENV:-/var/tmp/agentruntime-fixtures/ops-venv}"
mkdir -p "$(dirname "$venv")"

log() { echo "ops-fixtures: $*" >&2; }

installed=""
if [ -x "$venv/bin/python" ]; then
  installed="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("prometheus_client"))' 2>/dev/null || true)"
fi
if [ "$installed" != "$PROMETHEUS_CLIENT_VERSION" ]; then
  log "installing prometheus_client==$PROMETHEUS_CLIENT_VERSION into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "prometheus_client==$PROMETHEUS_CLIENT_VERSION" >&2
else
  log "prometheus_client $PROMETHEUS_CLIENT_VERSION already installed"
fi
echo "export AR_OPS_PYTHON=$venv/bin/python"
