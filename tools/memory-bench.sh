#!/usr/bin/env bash
# Server memory per stored message and restart time (docs/RELIABILITY.md). For each count in
# $COUNTS (default "1000000 10000000"): a fresh data directory seeded offline with that many
# messages (`parley admin seed`, 100-byte texts, 1,000 messages per conversation, fsync none —
# the load is not what is measured), then
#   1. a start that replays the whole log: seconds to /health, RSS after start;
#   2. SIGTERM (the final snapshot), then a start from that snapshot: seconds and RSS again.
# Release binary ($PARLEY, default .build/release/parley); data under $BENCH_DIR (/tmp).
# Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
parley=${PARLEY:-.build/release/parley}
[ -x "$parley" ] || { echo "$0: $parley not built (swift build -c release)" >&2; exit 2; }
counts=${COUNTS:-"1000000 10000000"}
root=$(mktemp -d "${BENCH_DIR:-/tmp}/parley-memory-XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$root"' EXIT

start() {  # data dir → sets $took (seconds to /health) and $rss (MiB a second later)
  local port began ready
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  began=$(date +%s.%N)
  "$parley" serve --host 127.0.0.1 --port "$port" --data-dir "$1" --log-level error \
    --snapshot-every-records 1000000000 --snapshot-every-seconds 86400 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.05; done
  ready=$(date +%s.%N)
  took=$(python3 -c "print(f'{$ready - $began:.1f}')")
  sleep 1
  rss=$(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 ))
}

stop() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=""
}

echo "| messages | log on disk | start, replaying the log | RSS after it | snapshot on disk | start from the snapshot | RSS after it |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for count in $counts; do
  data="$root/$count"
  "$parley" admin seed --data-dir "$data" --messages "$count" --conversations $((count / 1000)) \
    --concurrency 256 --size 100 --fsync none --quiet 2>/dev/null
  wal=$(du -sm "$data/wal" | cut -f1)
  start "$data"
  replay=$took replay_rss=$rss
  stop
  snap=$(du -sm "$data/snapshots" | cut -f1)
  start "$data"
  stop
  echo "| $count | $wal MiB | $replay s | $replay_rss MiB | $snap MiB | $took s | $rss MiB |"
  rm -rf "$data"
done
