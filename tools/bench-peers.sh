#!/usr/bin/env bash
# `make bench-peers`: Parley measured beside the servers people run today, in one invocation,
# with the same pinning (every server on core 0, every client on core 1), the same durability
# (fsync on every acknowledged write) and the same sizes where the protocols allow. Prints each
# figure and Parley's ratio to the peer, writes the table between the `bench-peers` markers of
# docs/PERFORMANCE.md and draws docs/images/bench-*.png (tools/bench-plot.py, in the test
# virtual environment).
#
#   durable   redis-server (appendonly, appendfsync always), redis-benchmark -c 256 -t set -d 110
#             beside parley-load durable --publishers 256 --size 110; acks per second, latency
#             percentiles, server CPU; and Parley's one pipelining publisher (--pipeline 32),
#             messages per fsync
#
# Bounded: each run has a fixed count or duration and a time limit; the whole set takes about
# two minutes. Peers are Debian's packages (tools/deps.sh bench-peers installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product parley >/dev/null
swift build -c release --product parley-load >/dev/null
parley=.build/release/parley
load=.build/release/parley-load
venv=${VENV:-.build/venv}
seconds=${BENCH_SECONDS:-10}
redis_requests=${BENCH_REDIS_REQUESTS:-600000}
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
out=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT

pin() { if command -v taskset >/dev/null; then exec taskset -c "$1" "${@:2}"; else exec "${@:2}"; fi; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# CPU seconds (user + system) a process has used so far.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# ---- durable: redis-server with appendfsync always, driven by redis-benchmark
port=$(free_port)
mkdir -p "$out/redis"
(pin 0 redis-server --port "$port" --bind 127.0.0.1 --dir "$out/redis" --appendonly yes --appendfsync always \
  --save '' --daemonize no --logfile "$out/redis.log") &
redis=$!; pids+=("$redis")
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "bench-peers: durable: redis-benchmark -c 256 -t set -d 110 -n $redis_requests" >&2
before=$(cpu_seconds "$redis")
started=$(date +%s.%N)
(pin 1 timeout 300 redis-benchmark -h 127.0.0.1 -p "$port" -c 256 -t set -d 110 -n "$redis_requests" --precision 3) > "$out/redis-durable.txt"
ended=$(date +%s.%N)
after=$(cpu_seconds "$redis")
printf '{"cpu": %s, "seconds": %s}\n' "$(awk "BEGIN { print $after - $before }")" "$(awk "BEGIN { print $ended - $started }")" \
  > "$out/redis-durable.json"
stop "$redis"

# ---- Parley: a fresh release server per scenario, fsync always
parley_run() {  # name, then the parley-load scenario's arguments
  local name=$1; shift
  local port
  port=$(free_port)
  (pin 0 "$parley" serve --host 127.0.0.1 --port "$port" --data-dir "$out/data-$name" --rate-limits off --log-level warning) &
  local server=$!; pids+=("$server")
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "bench-peers: $name: parley-load $*" >&2
  (pin 1 "$load" "$@" --url "http://127.0.0.1:$port" --server-pid "$server" --json --quiet --time-limit 120) > "$out/$name.json"
  printf '%s\t%s\n' "$name" "$*" >> "$out/commands"
  stop "$server"
}
parley_run parley-durable durable --publishers 256 --size 110 --duration "$seconds"
parley_run parley-pipelined durable --publishers 1 --pipeline 32 --size 110 --duration "$seconds"

python3 tools/bench-peers-report.py "$out" docs/PERFORMANCE.md
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  "$venv/bin/python" tools/bench-plot.py "$out/summary.json" docs/images
else
  echo "bench-peers: no matplotlib in $venv (tools/deps.sh bench-peers installs it); no plots drawn" >&2
fi
