#!/usr/bin/env bash
# Property-based API test: schemathesis against the OpenAPI document served by a real
# `parley serve` on a free loopback port. Passes only with zero server errors and zero
# accepted schema-violating requests. Bounded: EXAMPLES cases per operation (default 10),
# a fixed SEED (default 1), and a 10-minute ceiling. Part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
parley=${PARLEY:-.build/debug/parley}
examples=${EXAMPLES:-10}
seed=${SEED:-1}
[ -x "$parley" ] || { echo "api-fuzz: $parley not built" >&2; exit 2; }
command -v st >/dev/null || { echo "api-fuzz: schemathesis (st) not installed; run 'make deps'" >&2; exit 2; }

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

"$parley" admin create-site --data-dir "$data" --name "Fuzz shop" --domain https://fuzz.example >/dev/null
"$parley" admin create-agent --data-dir "$data" --site-id site_1 --username fuzz --email fuzz@fuzz.example \
  --password 'correct horse' --role owner >/dev/null
"$parley" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --rate-limits off --bcrypt-cost 4 \
  --log-level warning &
pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs "$base/health" >/dev/null 2>&1 && break
  sleep 0.2
done
token=$(curl -fs -X POST "$base/v1/auth/support/login" -H 'content-type: application/json' \
  -d '{"username":"fuzz","password":"correct horse"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["token"])')

# logout is left out: it would revoke the very token the run authenticates with.
timeout 600 st run "$base/v1/openapi.json" \
  --checks not_a_server_error,negative_data_rejection \
  --max-examples "$examples" --seed "$seed" --exclude-operation-id logout \
  -H "Authorization: Bearer $token"
