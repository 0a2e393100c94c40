# Sourced by the API test scripts: a real `parley serve` on a free loopback port with one site
# (site_1, https://fuzz.example), its owner `fuzz` and an agent `helper` (password
# 'correct horse'), rate limits off and cheap bcrypt. Sets $base, $token (the owner's access
# token) and $data; stops the server and removes the data on exit. The hosted AI providers are a
# local stand-in (tools/lib/ai-standin.py): nothing the tests do reaches the internet.
parley=${PARLEY:-.build/debug/parley}
[ -x "$parley" ] || { echo "$0: $parley not built" >&2; exit 2; }

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pid=""
ai_pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$ai_pid" ]; then kill "$ai_pid" 2>/dev/null || true; wait "$ai_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

ai_port_file="$(mktemp)"
python3 tools/lib/ai-standin.py >"$ai_port_file" &
ai_pid=$!
for _ in $(seq 1 100); do [ -s "$ai_port_file" ] && break; sleep 0.05; done
ai="http://127.0.0.1:$(cat "$ai_port_file")"
rm -f "$ai_port_file"

"$parley" admin create-site --data-dir "$data" --name "Fuzz shop" --domain https://fuzz.example >/dev/null
"$parley" admin create-agent --data-dir "$data" --site-id site_1 --username fuzz --email fuzz@fuzz.example \
  --password 'correct horse' --role owner >/dev/null
"$parley" admin create-agent --data-dir "$data" --site-id site_1 --username helper --email helper@fuzz.example \
  --password 'correct horse' --role agent >/dev/null
"$parley" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --rate-limits off --bcrypt-cost 4 \
  --log-level warning --ai-endpoint "anthropic=$ai" --ai-endpoint "openai=$ai" --ai-endpoint "yandex=$ai" \
  --ai-endpoint "sber=$ai" --ai-endpoint "sber-auth=$ai" &
pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs "$base/health" >/dev/null 2>&1 && break
  sleep 0.2
done
token=$(curl -fs -X POST "$base/v1/auth/support/login" -H 'content-type: application/json' \
  -d '{"username":"fuzz","password":"correct horse"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["token"])')
