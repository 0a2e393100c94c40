#!/usr/bin/env bash
# Is the OpenAPI document accurate enough that a generated client works? Generates a Python
# client (openapi-python-client, warnings are failures) from the document a real `parley serve`
# serves at /v1/openapi.json, then drives a whole support conversation through it
# (tools/openapi_client_roundtrip.py); the same for the omni document at /api/v1/openapi.json,
# from sign-up through a widget customer to the team's answer (tools/openapi_omni_roundtrip.py).
# Part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.build/venv}
[ -x "$venv/bin/openapi-python-client" ] || {
  echo "openapi-client-check: openapi-python-client not installed in $venv; run 'make deps-test'" >&2; exit 2; }
venv=$(cd "$venv" && pwd)
. tools/lib/test-server.sh

generated="$data/client"
mkdir -p "$generated"
printf 'post_hooks: []\n' > "$generated/config.yaml"
(cd "$generated" && "$venv/bin/openapi-python-client" generate --url "$base/v1/openapi.json" --meta none \
  --config config.yaml --fail-on-warning --output-path parley_native_api_client >/dev/null)
PYTHONPATH="$generated" timeout 120 "$venv/bin/python" tools/openapi_client_roundtrip.py "$base" "$token"
# The omni document: sign-up → widget message → the team's answer (tools/openapi_omni_roundtrip.py).
(cd "$generated" && "$venv/bin/openapi-python-client" generate --url "$base/api/v1/openapi.json" --meta none \
  --config config.yaml --fail-on-warning --output-path parley_omni_api_client >/dev/null)
PYTHONPATH="$generated" timeout 120 "$venv/bin/python" tools/openapi_omni_roundtrip.py "$base"
