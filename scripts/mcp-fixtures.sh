#!/usr/bin/env bash
# Installs the third-party MCP servers that crates/mcp's tests run against:
#   - @modelcontextprotocol/server-everything (npm, pinned), the reference server
#     of the MCP project, used over stdio and over Streamable HTTP;
#   - the Python `mcp` SDK (PyPI, pinned) in a virtualenv, used to run the small
#     fixture server kept in crates/mcp/tests/fixtures/ and as a real client of the
#     platform's own /mcp (crates/cli/tests/platform_mcp_sdk.rs);
#   - the MCP clients that test the platform's /mcp (npm, pinned, in npm-clients/): the
#     TypeScript SDK, the conformance suite (0.1.12: newer ones need Node 22) and the
#     MCP Inspector CLI (0.15.0: newer ones need Node 22).
# Everything goes into a cache folder outside the repository, so the script is
# cheap to run again: each part is skipped when the pinned version is already there.
#
# Usage:  eval "$(scripts/mcp-fixtures.sh)"   (exports AR_MCP_FIXTURES_DIR)
# The folder defaults to /var/tmp/agentruntime-fixtures; set AR_MCP_FIXTURES_DIR
# to use another. Progress goes to stderr, the export line to stdout.
set -euo pipefail

SERVER_EVERYTHING_VERSION="2026.8.31"
PYTHON_MCP_VERSION="2.3.0"
TS_SDK_VERSION="1.32.2"
CONFORMANCE_VERSION="0.1.12"
INSPECTOR_VERSION="0.15.0"

dir="${AR_MCP_FIXTURES_DIR:-/var/tmp/agentruntime-fixtures}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

log() { echo "mcp-fixtures: $*" >&2; }

# --- npm: server-everything -------------------------------------------------
npm_dir="$dir/npm"
npm_pkg="$npm_dir/node_modules/@modelcontextprotocol/server-everything/package.json"
installed_npm=""
if [ -f "$npm_pkg" ]; then
  installed_npm="$(node -p "require('$npm_pkg').version" 2>/dev/null || true)"
fi
if [ "$installed_npm" != "$SERVER_EVERYTHING_VERSION" ]; then
  log "installing @modelcontextprotocol/server-everything@$SERVER_EVERYTHING_VERSION into $npm_dir"
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"name":"ar-mcp-fixtures","private":true}' >"$npm_dir/package.json"
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
    "@modelcontextprotocol/server-everything@$SERVER_EVERYTHING_VERSION" >&2
else
  log "server-everything $SERVER_EVERYTHING_VERSION already installed"
fi

# --- npm: the clients of the platform's /mcp ---------------------------------------
clients_dir="$dir/npm-clients"
clients_stamp="$clients_dir/.pinned"
clients_want="sdk@$TS_SDK_VERSION conformance@$CONFORMANCE_VERSION inspector@$INSPECTOR_VERSION"
if [ "$(cat "$clients_stamp" 2>/dev/null || true)" != "$clients_want" ]; then
  log "installing the MCP SDK, conformance suite and Inspector into $clients_dir"
  mkdir -p "$clients_dir"
  [ -f "$clients_dir/package.json" ] || echo '{"name":"ar-mcp-clients","private":true}' >"$clients_dir/package.json"
  npm install --prefix "$clients_dir" --no-audit --no-fund --loglevel=error \
    "@modelcontextprotocol/sdk@$TS_SDK_VERSION" \
    "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" \
    "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" >&2
  echo "$clients_want" >"$clients_stamp"
else
  log "MCP clients ($clients_want) already installed"
fi

# --- PyPI: the mcp SDK in a virtualenv ----------------------------------------
venv="$dir/venv"
installed_py=""
if [ -x "$venv/bin/python" ]; then
  installed_py="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("mcp"))' 2>/dev/null || true)"
fi
if [ "$installed_py" != "$PYTHON_MCP_VERSION" ]; then
  log "installing mcp==$PYTHON_MCP_VERSION into $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "mcp==$PYTHON_MCP_VERSION" >&2
else
  log "python mcp $PYTHON_MCP_VERSION already installed"
fi

# A marker the tests read to check the install is complete and which versions it holds.
cat >"$dir/versions.env" <<VERSIONS
SERVER_EVERYTHING_VERSION=$SERVER_EVERYTHING_VERSION
PYTHON_MCP_VERSION=$PYTHON_MCP_VERSION
TS_SDK_VERSION=$TS_SDK_VERSION
CONFORMANCE_VERSION=$CONFORMANCE_VERSION
INSPECTOR_VERSION=$INSPECTOR_VERSION
VERSIONS

log "ready"
echo "export AR_MCP_FIXTURES_DIR=$dir"
