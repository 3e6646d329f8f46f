#!/usr/bin/env bash
# Installs the third-party MCP servers that crates/mcp's tests run against:
#   - @modelcontextprotocol/server-everything (npm, pinned), the reference server
#     of the MCP project, used over stdio and over Streamable HTTP;
#   - the Python `mcp` SDK (PyPI, pinned) in a virtualenv, used to run the small
#     fixture server kept in crates/mcp/tests/fixtures/.
# Everything goes into a cache folder outside the repository, so the script is
# cheap to run again: each part is skipped when the pinned version is already there.
#
# Usage:  eval "$(scripts/mcp-fixtures.sh)"   (exports AR_MCP_FIXTURES_DIR)
# The folder defaults to /var/tmp/agentruntime-fixtures; set AR_MCP_FIXTURES_DIR
# to use another. Progress goes to stderr, the export line to stdout.
set -euo pipefail

SERVER_EVERYTHING_VERSION="2026.8.31"
PYTHON_MCP_VERSION="2.3.0"

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
VERSIONS

log "ready"
echo "export AR_MCP_FIXTURES_DIR=$dir"
