#!/usr/bin/env bash
# Runs the peer engines on the benchmark workloads in this sitting, for
# `ar-bench engine --peers`. Prints run-all.sh's lines on stdout:
#   peer workload wall_seconds steps_per_second notes
# Usage: bench/peers.sh [langgraph] [prefect] [n8n]      (default: langgraph, the fastest)
# PEERS_DIR: a writable copy of the peer scripts with ./install.sh done
#            (default /var/tmp/peers: a copy of the peer setups, see bench/README.md).
# RUNS / HITL_RUNS are passed through to run-all.sh (its defaults: 3 and 5).
set -euo pipefail
PEERS_DIR=${PEERS_DIR:-/var/tmp/peers}
if [ ! -x "$PEERS_DIR/run-all.sh" ]; then
  echo "peers.sh: no run-all.sh in $PEERS_DIR (copy the peer setups there and run ./install.sh; see bench/README.md)" >&2
  exit 1
fi
[ $# -eq 0 ] && set -- langgraph
exec "$PEERS_DIR/run-all.sh" "$@"
