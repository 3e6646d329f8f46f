#!/usr/bin/env bash
# Installs schemathesis (PyPI, pinned) into a virtualenv outside the repository, for
# scripts/api-fuzz.sh. Cheap to run again: skipped when the pinned version is there.
#
# Usage:  eval "$(scripts/schemathesis-install.sh)"   (exports AR_SCHEMATHESIS)
# The folder defaults to /var/tmp/agentruntime-fixtures/schemathesis-venv; set
# AR_SCHEMATHESIS_VENV to use another. Progress goes to stderr, the export line to stdout.
set -euo pipefail

SCHEMATHESIS_VERSION="4.32.5"

venv="${AR_SCHEMATHESIS_VENV:-/var/tmp/agentruntime-fixtures/schemathesis-venv}"
mkdir -p "$(dirname "$venv")"

log() { echo "schemathesis-install: $*" >&2; }

installed=""
if [ -x "$venv/bin/python" ]; then
  installed="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)"
fi
if [ "$installed" != "$SCHEMATHESIS_VERSION" ]; then
  log "installing schemathesis==$SCHEMATHESIS_VERSION into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" >&2
else
  log "schemathesis $SCHEMATHESIS_VERSION already installed"
fi
echo "export AR_SCHEMATHESIS=$venv/bin/schemathesis"
