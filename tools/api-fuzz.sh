#!/usr/bin/env bash
# Property-based API test: schemathesis against the OpenAPI document served by a real
# `parley serve` on a free loopback port. Passes only with zero server errors, zero accepted
# schema-violating requests, and every answer as documented (status code, content type, body
# schema). Bounded: EXAMPLES cases per operation (default 10),
# a fixed SEED (default 1), and a 10-minute ceiling. Part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${EXAMPLES:-10}
seed=${SEED:-1}
st="${VENV:-.build/venv}/bin/st"
[ -x "$st" ] || { echo "api-fuzz: schemathesis not installed in ${VENV:-.build/venv}; run 'make deps-test'" >&2; exit 2; }
. tools/lib/test-server.sh

# logout is left out: it would revoke the very token the run authenticates with.
timeout 600 "$st" run "$base/v1/openapi.json" \
  --checks "${CHECKS:-not_a_server_error,negative_data_rejection,response_schema_conformance,content_type_conformance,status_code_conformance}" \
  --max-examples "$examples" --seed "$seed" --exclude-operation-id logout \
  -H "Authorization: Bearer $token"
