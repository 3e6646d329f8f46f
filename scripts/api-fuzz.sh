#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis, driven by the server's own OpenAPI document:
#   1. installs schemathesis (scripts/schemathesis-install.sh, cached outside the repo);
#   2. builds and starts `agentruntime serve` on a fresh data directory and a free port;
#   3. signs in as the first-start owner and creates a PAT with every scope;
#   4. runs schemathesis against /v1/openapi.json with that PAT, checking that no
#      response is a 5xx and that every response matches the document;
#   5. stops the server with SIGTERM and requires a graceful exit (status 0).
# Exits non-zero when schemathesis reports a failure or the server misbehaves.
#
# Bounded in time: AR_FUZZ_MAX_EXAMPLES cases per operation (default 25) and a hard
# timeout of AR_FUZZ_TIMEOUT seconds (default 180). AR_FUZZ_SEED makes a run repeatable.
# The schemathesis report (JUnit and NDJSON) is kept in AR_FUZZ_REPORT_DIR if set.
# AR_FUZZ_BINARY names an already built `agentruntime` (default: cargo builds it).
set -euo pipefail

cd "$(dirname "$0")/.."

max_examples="${AR_FUZZ_MAX_EXAMPLES:-25}"
time_limit="${AR_FUZZ_TIMEOUT:-180}"
seed="${AR_FUZZ_SEED:-20261128}"

log() { echo "api-fuzz: $*" >&2; }

eval "$(scripts/schemathesis-install.sh)"

binary="${AR_FUZZ_BINARY:-}"
if [ -z "$binary" ]; then
  log "building agentruntime"
  # --workspace: the features the test build already compiled (no second dependency build).
  cargo build --quiet --workspace --bin agentruntime
  binary="${CARGO_TARGET_DIR:-target}/debug/agentruntime"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

email="fuzz-owner@example.com"
password="fuzz-owner-password-1"
# Generous rate limits: the fuzzer is one client sending thousands of requests. Open
# sign-up (the default is by invitation), so sign-up bodies reach their validation.
AR_DATA_DIR="$work/data" AR_ADMIN_EMAIL="$email" AR_ADMIN_PASSWORD="$password" \
  AR_RATE_LIMIT_PER_TOKEN=1000000 AR_RATE_LIMIT_PER_IP=1000000 AR_RATE_LIMIT_BURST=100000 \
  AR_SIGNUP=open \
  AR_LOG="${AR_LOG:-warn}" \
  "$binary" serve --listen 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!

# The server prints the address it bound (port 0 = any free port).
base=""
for _ in $(seq 1 300); do
  base="$(sed -n 's/^agentruntime: listening on \(http:[^ ]*\)$/\1/p' "$work/stdout")"
  [ -n "$base" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "the server exited before listening:"; cat "$work/stderr" >&2; exit 1
  fi
  sleep 0.1
done
[ -n "$base" ] || { log "the server did not start in 30 s"; cat "$work/stderr" >&2; exit 1; }
curl --silent --fail "$base/readyz" >/dev/null
log "server at $base"

# Sign in (cookie-authenticated writes must carry the server's Origin), then a PAT.
jar="$work/cookies"
curl --silent --fail -c "$jar" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/v1/auth/login" >/dev/null
project="$(curl --silent --fail -b "$jar" "$base/v1/auth/me" | jq -r '.workspaces[0].projects[0].id')"
pat="$(curl --silent --fail -b "$jar" -H "Origin: $base" -H 'Content-Type: application/json' \
  -H 'X-Tenant-Id: default' \
  -d '{"name":"api-fuzz","scopes":["workflow:read","workflow:write","workflow:run","mcp:execute","mcp:write","admin"]}' \
  "$base/v1/pats" | jq -r '.token')"
case "$pat" in pat_*) ;; *) log "could not create a PAT"; exit 1 ;; esac

report_dir="$(realpath -m "${AR_FUZZ_REPORT_DIR:-$work/report}")"
log "schemathesis: $max_examples examples per operation, at most $time_limit s (seed $seed)"
status=0
# Run from the scratch folder: schemathesis keeps a cache (.schemathesis/) in its cwd.
# The Server-Sent Events streams are left out: they never end, so every case would wait
# for --request-timeout (their frames are tested by crates/server/tests/chat_api.rs and
# crates/cli/tests/serve_autopilot.rs).
# One worker: with two, schemathesis generates cases on two threads, and CPython 3.11's
# ast.parse (used by Hypothesis to describe its strategies) is not thread-safe there — it
# failed once with "SystemError: AST constructor recursion depth mismatch", a fuzzer crash
# that says nothing about the server.
(cd "$work" && timeout --signal=INT "$time_limit" "$AR_SCHEMATHESIS" run "$base/v1/openapi.json" \
  --header "Authorization: Bearer $pat" \
  --header "X-Tenant-Id: default" \
  --header "X-Project-Id: $project" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --exclude-path-regex '^/v1/(chat/threads/\{id\}|autopilot)/stream$' \
  --phases examples,coverage,fuzzing \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --workers 1 \
  --request-timeout 10 \
  --report junit,ndjson --report-dir "$report_dir" \
  --no-color) || status=$?

if [ "$status" -eq 124 ]; then
  log "schemathesis did not finish within $time_limit s"
fi

# A graceful shutdown exits 0.
kill -TERM "$server_pid"
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""
if [ "$server_status" -ne 0 ]; then
  log "the server exited with status $server_status after SIGTERM:"; tail -20 "$work/stderr" >&2
  exit 1
fi
exit "$status"
