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
#             percentiles, server CPU, $BENCH_RUNS runs each, redis and Parley alternating so
#             that a host which slows down meanwhile slows both (medians reported, all listed);
#             and Parley's one pipelining publisher (--pipeline 32), messages per fsync; and
#             resp-floor (tools/resp-floor), redis's job in a minimal SwiftNIO server under the
#             same redis-benchmark, alternating with both: the floor SwiftNIO and Swift put
#             under Parley's figures
#   room      one channel, 1,000 WebSocket subscribers, one publisher at full rate (a window of
#             64 unacknowledged): nats-server 2.9 over its WebSocket listener (parley-load speaks
#             the NATS text protocol: peer-room --peer nats), nginx + nchan (WebSocket subscribers
#             and publisher: peer-room --peer nchan) and parley-load room, without and with
#             batching (--batch: several events per frame, as nats-server writes them); delivered
#             messages per server CPU-second, $BENCH_RUNS runs each (median reported, all listed);
#             and Parley without batching but with a server write delay of $BENCH_WRITE_DELAY_MS ms
#             (--ws-write-delay-ms: each session's frames of the window in one socket write)
#   idle      5,000 idle WebSocket subscribers held by each server: RSS growth per connection
#   disk      the floor under both durable runs' latency: `parley wal fsync-test` on core 0 in
#             the run's directory (a message's wait for the next fdatasync, docs/OPERATIONS.md)
#
# Bounded: each run has a fixed count or duration and a time limit; the whole set takes about
# five minutes. Peers are Debian's packages (tools/deps.sh bench-peers installs what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product parley >/dev/null
swift build -c release --product parley-load >/dev/null
swift build -c release --product resp-floor >/dev/null
parley=.build/release/parley
load=.build/release/parley-load
floor=.build/release/resp-floor
venv=${VENV:-.build/venv}
seconds=${BENCH_SECONDS:-10}
runs=${BENCH_RUNS:-3}
subscribers=${BENCH_SUBSCRIBERS:-1000}
idle=${BENCH_IDLE:-5000}
redis_requests=${BENCH_REDIS_REQUESTS:-600000}
write_delay=${BENCH_WRITE_DELAY_MS:-5}
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
# CPU seconds (user + system) a process has used so far, then the kernel's (system) part of them.
cpu_times() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz, $15 / hz }' "/proc/$1/stat"; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# ---- disk: what an fdatasync costs a message on the core the servers run on
echo "bench-peers: disk: parley wal fsync-test --seconds 5 (core 0)" >&2
(pin 0 "$parley" wal fsync-test --data-dir "$out" --seconds 5) > "$out/disk.json"

# ---- durable: redis-server with appendfsync always, driven by redis-benchmark (a fresh server
# and directory per run); and resp-floor, the same job in a minimal SwiftNIO server, driven the
# same way (what SwiftNIO and Swift cost before any of Parley's own work: the floor under
# Parley's durable figures)
resp_durable() {  # redis|floor, run number
  local kind=$1 port server before kernel_before started ended after kernel_after
  port=$(free_port)
  mkdir -p "$out/$kind-$2"
  if [ "$kind" = redis ]; then
    (pin 0 redis-server --port "$port" --bind 127.0.0.1 --dir "$out/$kind-$2" --appendonly yes --appendfsync always \
      --save '' --daemonize no --logfile "$out/$kind-$2.log") &
  else
    (pin 0 "$floor" --port "$port" --file "$out/$kind-$2/appendonly.aof" > "$out/$kind-$2.log") &
  fi
  server=$!; pids+=("$server")
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "bench-peers: durable $2 ($kind): redis-benchmark -c 256 -t set -d 110 -n $redis_requests" >&2
  read -r before kernel_before < <(cpu_times "$server")
  started=$(date +%s.%N)
  (pin 1 timeout 300 redis-benchmark -h 127.0.0.1 -p "$port" -c 256 -t set -d 110 -n "$redis_requests" --precision 3) > "$out/$kind-durable-$2.txt"
  ended=$(date +%s.%N)
  read -r after kernel_after < <(cpu_times "$server")
  printf '{"cpu": %s, "kernel": %s, "seconds": %s}\n' "$(awk "BEGIN { print $after - $before }")" \
    "$(awk "BEGIN { print $kernel_after - $kernel_before }")" "$(awk "BEGIN { print $ended - $started }")" \
    > "$out/$kind-durable-$2.json"
  stop "$server"
}

# ---- Parley: a fresh release server per scenario, fsync always
parley_run() {  # name, then the parley-load scenario's arguments; $server_delay: --ws-write-delay-ms
  local name=$1; shift
  local port
  port=$(free_port)
  (pin 0 "$parley" serve --ws-write-delay-ms "${server_delay:-0}" --host 127.0.0.1 --port "$port" --data-dir "$out/data-$name" --rate-limits off --log-level warning) &
  local server=$!; pids+=("$server")
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "bench-peers: $name: parley-load $*" >&2
  (pin 1 "$load" "$@" --url "http://127.0.0.1:$port" --server-pid "$server" --json --quiet --time-limit 120) > "$out/$name.json"
  printf '%s\t%s\n' "$name" "$*" >> "$out/commands"
  stop "$server"
}
for run in $(seq 1 "$runs"); do
  resp_durable redis "$run"
  parley_run "parley-durable-$run" durable --publishers 256 --size 110 --duration "$seconds"
  resp_durable floor "$run"
done
parley_run parley-pipelined durable --publishers 1 --pipeline 32 --size 110 --duration "$seconds"
for run in $(seq 1 "$runs"); do
  parley_run "parley-room-$run" room --subscribers "$subscribers" --rate max --duration "$seconds"
  parley_run "parley-batch-room-$run" room --subscribers "$subscribers" --rate max --duration "$seconds" --batch
  server_delay=$write_delay parley_run "parley-delay-room-$run" room --subscribers "$subscribers" --rate max --duration "$seconds"
done
parley_run parley-idle idle --connections "$idle" --duration 5

# ---- the peers of the room and idle runs, each started fresh for each run
peer_run() {  # name, peer (nats|nchan), then the parley-load scenario's arguments
  local name=$1 peer=$2; shift 2
  local port server measured
  port=$(free_port)
  mkdir -p "$out/$name"
  if [ "$peer" = nats ]; then
    printf 'listen: 127.0.0.1:%s\nwebsocket { listen: "127.0.0.1:%s", no_tls: true, compression: false }\nmax_payload: 1MB\n' \
      "$(free_port)" "$port" > "$out/$name/nats.conf"
    (pin 0 nats-server -c "$out/$name/nats.conf" > "$out/$name/nats.log" 2>&1) &
    server=$!; measured=$server
  else
    # One worker (the server's one core), WebSocket subscribers on /sub and publisher on /pub.
    cat > "$out/$name/nginx.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid $out/$name/nginx.pid;
error_log $out/$name/error.log warn;
events { worker_connections 19000; }
http {
  access_log off;
  client_body_temp_path $out/$name/body;
  server {
    listen 127.0.0.1:$port;
    location = /sub { nchan_subscriber websocket; nchan_channel_id room; }
    location = /pub { nchan_publisher websocket; nchan_channel_id room; nchan_message_buffer_length 1000; }
  }
}
NGINX
    (pin 0 nginx -c "$out/$name/nginx.conf" -p "$out/$name") &
    server=$!
    measured=""
    for _ in $(seq 1 100); do measured=$(pgrep -P "$server" | head -1) && [ -n "$measured" ] && break; sleep 0.1; done
  fi
  pids+=("$server")
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  echo "bench-peers: $name: parley-load $*" >&2
  (pin 1 "$load" "$@" --url "http://127.0.0.1:$port" --server-pid "$measured" --json --quiet --time-limit 120) > "$out/$name.json"
  printf '%s\t%s\n' "$name" "$*" >> "$out/commands"
  stop "$server"
}
for run in $(seq 1 "$runs"); do
  peer_run "nats-room-$run" nats peer-room --peer nats --subscribers "$subscribers" --duration "$seconds"
  peer_run "nchan-room-$run" nchan peer-room --peer nchan --subscribers "$subscribers" --duration "$seconds"
done
peer_run nats-idle nats idle --peer nats --connections "$idle" --duration 5
peer_run nchan-idle nchan idle --peer nchan --connections "$idle" --duration 5

python3 tools/bench-peers-report.py "$out" docs/PERFORMANCE.md "$runs" "$write_delay"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  "$venv/bin/python" tools/bench-plot.py "$out/summary.json" docs/images
else
  echo "bench-peers: no matplotlib in $venv (tools/deps.sh bench-peers installs it); no plots drawn" >&2
fi
