#!/usr/bin/env bash
# Property-based API test: schemathesis against each OpenAPI document served by a real
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

# Each dialect's document in turn: native (/v1), omni (/api/v1), operators (its routes under
# /v1; document under /operators/v1), chats (/api/shared/v1), the livechat gateway (its routes
# under /v1/projects; document under /gateway/v1), and the admin API (/admin/v1, with the
# data directory's admin token). logout is left out: it would revoke the very token the run
# authenticates with; so is the admin API's seed, whose valid sizes reach 10^8 messages.
for document in ${DOCUMENTS:-v1 api/v1 operators/v1 api/shared/v1 gateway/v1 admin/v1}; do
  credential=$token
  [ "$document" = admin/v1 ] && credential=$(cat "$data/admin-token")
  echo "api-fuzz: $base/$document/openapi.json"
  timeout 600 "$st" run "$base/$document/openapi.json" \
    --checks "${CHECKS:-not_a_server_error,negative_data_rejection,response_schema_conformance,content_type_conformance,status_code_conformance}" \
    --max-examples "$examples" --seed "$seed" --exclude-operation-id logout --exclude-operation-id seed \
    -H "Authorization: Bearer $credential"
done
