#!/usr/bin/env bash
# `make bench-cluster` (issue 20): messages per second and publish → deliver latency of Parley
# as one embedded node, as one `--redis` node, and as three `--redis` nodes sharing one Redis
# (Debian's redis-server, AOF with appendfsync always). Every server process (Redis and the
# nodes) is pinned to core 0 and the harness to core 1, the same for every layout, so the
# figures show what the cluster costs on this machine, not what more machines would add.
# Two scenarios per layout, each against a fresh cluster:
#   room     one conversation, 100 agent sessions spread over the nodes, 1,000 messages/s
#            published through the first node: publish → deliver latency across nodes
#   durable  64 publishers spread over the nodes, each waiting for its ack: acks/s
# Writes the table into docs/PERFORMANCE.md between the `bench-cluster` markers.
#
#   tools/bench-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product parley >/dev/null
swift build -c release --product parley-load >/dev/null
parley=.build/release/parley
load=.build/release/parley-load
command -v redis-server >/dev/null || { echo "bench-cluster: redis-server is missing (make deps-test installs it)" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
out=$(mktemp -d)
pids=()
cleanup() {
  { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait; } 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT

pin() { if command -v taskset >/dev/null; then exec taskset -c "$1" "${@:2}"; else exec "${@:2}"; fi; }
freeport() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# CPU seconds (user + system) of the given pids, from /proc.
cpu() {
  python3 - "$@" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
total = 0
for pid in sys.argv[1:]:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    except OSError:
        pass
print(f"{total / tick:.2f}")
PY
}

urls=()
start() {  # layout: local | 1 | 3
  local layout=$1 run=$2
  pids=(); urls=()
  local redis_args=()
  if [ "$layout" != local ]; then
    local rport; rport=$(freeport)
    mkdir -p "$out/$run/redis"
    (pin 0 redis-server --port "$rport" --bind 127.0.0.1 --dir "$out/$run/redis" --appendonly yes --appendfsync always \
      --save "" --daemonize no --loglevel warning >/dev/null) &
    pids+=($!)
    for _ in $(seq 1 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
    redis_args=(--redis "redis://127.0.0.1:$rport")
  fi
  local count=1
  [ "$layout" = 3 ] && count=3
  for index in $(seq 1 "$count"); do
    local port; port=$(freeport)
    (pin 0 "$parley" serve --host 127.0.0.1 --port "$port" --data-dir "$out/$run/node$index" --rate-limits off \
      --log-level warning "${redis_args[@]}") &
    pids+=($!)
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
    urls+=("http://127.0.0.1:$port")
  done
}

run() {  # layout, scenario name, scenario arguments
  local layout=$1 name=$2; shift 2
  local run="$layout-$name"
  start "$layout" "$run"
  local nodes=()
  for url in "${urls[@]:1}"; do nodes+=(--node "$url"); done
  # Redis is the first process of a cluster layout: its share of the CPU is counted apart.
  local redis_pid=""
  [ "$layout" != local ] && redis_pid=${pids[0]}
  local before; before=$(cpu "${pids[@]}")
  local redis_before=0; [ -n "$redis_pid" ] && redis_before=$(cpu "$redis_pid")
  echo "bench-cluster: $layout: parley-load $* --url ${urls[0]} ${nodes[*]}" >&2
  (pin 1 "$load" "$@" --url "${urls[0]}" "${nodes[@]}" --json --quiet --time-limit 120) > "$out/$run.json"
  local after; after=$(cpu "${pids[@]}")
  local redis_after=0; [ -n "$redis_pid" ] && redis_after=$(cpu "$redis_pid")
  python3 -c "print($after - $before, $redis_after - $redis_before)" > "$out/$run.cpu"
  { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; wait; } 2>/dev/null || true
  pids=()
}

for layout in local 1 3; do
  run "$layout" room room --subscribers 100 --rate 1000 --duration 10
  run "$layout" durable durable --publishers 64 --duration 10
done

python3 - "$out" docs/PERFORMANCE.md <<'PY'
import json, os, sys
sys.path.insert(0, "tools/lib")
from perfdoc import write_section, written_by
out, doc = sys.argv[1], sys.argv[2]
names = {"local": "one embedded node (no Redis)", "1": "one node on Redis", "3": "three nodes on one Redis"}
rows = []
for layout in ["local", "1", "3"]:
    room = json.load(open(os.path.join(out, f"{layout}-room.json")))
    durable = json.load(open(os.path.join(out, f"{layout}-durable.json")))
    room_cpu, room_redis = map(float, open(os.path.join(out, f"{layout}-room.cpu")).read().split())
    durable_cpu, durable_redis = map(float, open(os.path.join(out, f"{layout}-durable.cpu")).read().split())
    def share(total, redis):
        return f"{total:.1f} s" + (f" (Redis {redis:.1f} s)" if layout != "local" else "")
    r, d = room["latencyMicroseconds"], durable["latencyMicroseconds"]
    rows.append(
        f'| {names[layout]} | {room["deliveredPerSecond"]:,.0f}/s, {room["losses"]} lost, {room["duplicates"]} dup | '
        f'{r["p50"]/1000:.2f} / {r["p99"]/1000:.2f} / {r["p999"]/1000:.2f} | {share(room_cpu, room_redis)} | '
        f'{durable["deliveredPerSecond"]:,.0f}/s | {d["p50"]/1000:.2f} / {d["p99"]/1000:.2f} | {share(durable_cpu, durable_redis)} |')
print(write_section(doc, "bench-cluster", "tools/bench-cluster.sh", [
    written_by("make bench-cluster") + "; Redis and every node pinned to core 0, the harness to core 1; "
    "Redis 7 with AOF `appendfsync always`; release builds. Room: `parley-load room --subscribers 100 --rate 1000 "
    "--duration 10`, subscribers spread over the nodes, published through the first. Durable: `parley-load durable "
    "--publishers 64 --duration 10`, publishers spread over the nodes. CPU: every server process (nodes and Redis) "
    "over the whole run (set-up included), Redis's share in brackets.",
    "",
    "| layout | room: delivered | room: publish → deliver ms p50 / p99 / p99.9 | room: server CPU | durable: acks | durable: ack ms p50 / p99 | durable: server CPU |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    *rows,
], "Several nodes on Redis (`make bench-cluster`, issue 20)"))
PY
