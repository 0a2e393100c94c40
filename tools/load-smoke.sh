#!/usr/bin/env bash
# Part of `make test`: the load harness against a real server, every scenario at a tiny size
# (debug builds, a few seconds each). Each run must report no loss, no duplicate and no session
# closed by the server; `idle` must spread its connections over three loopback source
# addresses (--connections-per-address 100 for 300 connections), seen on the server's side.
set -euo pipefail
cd "$(dirname "$0")/.."
load=${PARLEY_LOAD:-.build/debug/parley-load}
[ -x "$load" ] || { echo "$0: $load not built" >&2; exit 2; }
source tools/lib/test-server.sh
out=$(mktemp -d)
trap 'rm -rf "$out"; cleanup' EXIT

run() {  # name, then the scenario's arguments
  local name=$1; shift
  "$load" "$@" --url "$base" --server-pid "$pid" --json --quiet --time-limit 60 > "$out/$name.json"
}

run room room --subscribers 20 --rate 50 --duration 1
run support support --conversations 20 --rate 50 --duration 1 --host-pauses
run durable durable --publishers 8 --duration 1
run pipelined durable --publishers 2 --pipeline 16 --duration 1
run churn churn --rate 20 --duration 1

port=${base##*:}
run idle idle --connections 300 --connections-per-address 100 --duration 3 &
idle=$!
peers=0
for _ in $(seq 1 100); do
  peers=$(ss -Htn state established "( sport = :$port )" | awk '{print $4}' | sed 's/:[0-9]*$//' | sort -u | wc -l)
  [ "$peers" -ge 3 ] && break
  sleep 0.1
done
wait "$idle"

python3 - "$out" "$peers" <<'PY'
import json, os, sys
out, peers = sys.argv[1], int(sys.argv[2])
failures = []
for name in ["room", "support", "durable", "pipelined", "churn", "idle"]:
    r = json.load(open(os.path.join(out, name + ".json")))
    for key in ["losses", "duplicates", "sessionsClosedByServer"]:
        if r.get(key):
            failures.append(f"{name}: {key} = {r[key]}")
    if name != "idle" and not r["delivered"]:
        failures.append(f"{name}: nothing delivered")
    print(f"load-smoke: {name}: delivered {r['delivered']}, latency p99 {r['latencyMicroseconds']['p99']} µs")
# --host-pauses: the probe ran through the measurement.
pauses = json.load(open(os.path.join(out, "support.json"))).get("hostPauses")
if not pauses or pauses["wakes"] < 100:
    failures.append(f"support: the host-pause probe did not run ({pauses})")
else:
    print(f"load-smoke: support: {pauses['wakes']} probe wakes, {pauses['pauses']} pauses, real-time {pauses['realtime']}")
if peers < 3:
    failures.append(f"idle: the server saw {peers} source addresses, not 3")
print(f"load-smoke: idle: the server saw {peers} loopback source addresses")
if failures:
    print("\n".join("load-smoke: FAILED " + f for f in failures), file=sys.stderr)
    sys.exit(1)
PY
