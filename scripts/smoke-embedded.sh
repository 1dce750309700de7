#!/usr/bin/env bash
# Starts the built app with no DATABASE_URL / REDIS_URL / RPC_URL (embedded
# PGlite, in-process Redis, local chain) and waits for /api/health to say ok;
# then checks the split of server.mjs: a page comes from Next's worker thread,
# an unknown /api path is the lean layer's JSON 404 (never Next's page).
set -euo pipefail
port="${SMOKE_PORT:-3999}"
data="$(mktemp -d)"
log="$data/app.log"
env -u DATABASE_URL -u REDIS_URL -u RPC_URL DATA_DIR="$data/data" PORT="$port" setsid npm start >"$log" 2>&1 &
pid=$!
cleanup() { kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 60); do
  if body=$(curl -fsS "http://127.0.0.1:$port/api/health" 2>/dev/null); then
    echo "health: $body"
    if echo "$body" | grep -q '"status":"ok"' && echo "$body" | grep -q '"embedded":true'; then
      page=$(curl -fsS "http://127.0.0.1:$port/")
      echo "$page" | grep -q "ComputeSwarm" || { echo "the home page did not render" >&2; exit 1; }
      missing=$(curl -sS -w ' %{http_code}' "http://127.0.0.1:$port/api/no-such-route")
      echo "unknown /api path: $missing"
      echo "$missing" | grep -q '"code":"NOT_FOUND".* 404$' || { echo "an unknown /api path reached the pages" >&2; exit 1; }
      exit 0
    fi
  fi
  sleep 1
done
echo "the embedded app did not become healthy; its log:" >&2
cat "$log" >&2
exit 1
