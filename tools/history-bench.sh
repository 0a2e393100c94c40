#!/usr/bin/env bash
# Cold history at scale (issue 16, docs/PERFORMANCE.md "Cold history"). Release binaries.
#
#   tools/history-bench.sh memory     $MESSAGES (default 10,000,000) messages of 200 bytes in
#                                     conversations of 1,000, seeded offline. A start from a
#                                     snapshot with everything hot (seconds to /health, RSS, 300
#                                     REST pages of 50 `GET /v1/messages … before=`, page cache
#                                     dropped first where the machine allows, then again warm);
#                                     its SIGTERM takes the second snapshot, so the seeding log is
#                                     cut as on a running server. Then `parley history compact
#                                     --keep 10` (1 % stays hot) and the same start and pages.
#   tools/history-bench.sh interference
#                                     the `durable` and `support` load scenarios against a
#                                     server whose data directory holds $BACKLOG (default
#                                     3,000,000) compactable messages, with compaction running
#                                     (every second, nothing kept but 10 per conversation) and
#                                     with it off, in the same run, alternating.
# Data under $BENCH_DIR (/tmp); everything is removed at the end. Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-memory}
swift build -c release --product parley >/dev/null
parley=.build/release/parley
root=$(mktemp -d "${BENCH_DIR:-/tmp}/parley-history-XXXXXX")
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$root"
}
trap cleanup EXIT
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pin() { if command -v taskset >/dev/null; then exec taskset -c "$1" "${@:2}"; else exec "${@:2}"; fi; }

serve() {  # data dir, port, extra serve flags… → $pid, $took (seconds to /health)
  local data=$1 port=$2 began ready
  shift 2
  began=$(date +%s.%N)
  (pin 0 "$parley" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --rate-limits off --log-level warning \
    --snapshot-every-records 1000000000 --snapshot-every-seconds 86400 "$@") &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.02; done
  ready=$(date +%s.%N)
  took=$(python3 -c "print(f'{$ready - $began:.2f}')")
}

stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

rss_mib() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$1/status") / 1024 )); }

seed() {  # data dir, messages, conversations
  "$parley" admin seed --data-dir "$1" --messages "$2" --conversations "$3" --concurrency 256 --size 200 --fsync none --quiet
}

if [ "$mode" = memory ]; then
  messages=${MESSAGES:-10000000}
  conversations=$((messages / 1000))
  data="$root/data"
  began=$(date +%s)
  seed "$data" "$messages" "$conversations" 2>/dev/null
  seeded=$(( $(date +%s) - began ))
  "$parley" admin create-agent --data-dir "$data" --site-id site_1 --username bench --email bench@example.com \
    --password "correct horse" --role owner >/dev/null
  "$parley" snapshot create --data-dir "$data" >/dev/null
  # The pages: 300 conversations at random; the anchor is the oldest message of the newest 50,
  # the page the 50 before it (all cold once compacted: 10 stay hot per conversation).
  pages() {  # port → "first read | again" cells, p50 / p99 / max in ms
    python3 - "$1" "$conversations" <<'PY'
import http.client, json, random, subprocess, sys, time
port, conversations = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token: headers["Authorization"] = "Bearer " + token
    c.request(method, path, body=json.dumps(body) if body else None, headers=headers)
    r = c.getresponse()
    data = r.read()
    assert r.status == 200, (path, r.status, data[:200])
    return json.loads(data)
token = call("POST", "/v1/auth/support/login", {"username": "bench", "password": "correct horse"})["data"]["token"]
random.seed(16)
sample = random.sample(range(1, conversations + 1), min(300, conversations))
anchors = {}
for conversation in sample:
    newest = call("GET", f"/v1/messages?conversation_id=conv_{conversation}&limit=50", token=token)["data"]["messages"]
    anchors[conversation] = newest[0]["id"]
def run():
    times = []
    for conversation in sample:
        began = time.perf_counter()
        page = call("GET", f"/v1/messages?conversation_id=conv_{conversation}&limit=50&before={anchors[conversation]}", token=token)
        times.append((time.perf_counter() - began) * 1000)
        assert len(page["data"]["messages"]) == 50
    times.sort()
    return f"{times[len(times) // 2]:.2f} / {times[int(len(times) * 0.99)]:.2f} / {times[-1]:.2f}"
note = ""
try:
    subprocess.run(["sync"], check=True)
    open("/proc/sys/vm/drop_caches", "w").write("3\n")
except OSError:
    note = " (page cache NOT dropped: not allowed here)"
first = run()
print(f"{first}{note} | {run()}")
PY
  }
  port=$(free_port)
  serve "$data" "$port" --compaction-every-seconds 0
  sleep 1
  hot_start=$took hot_rss=$(rss_mib "$pid") hot_pages=$(pages "$port")
  stop  # its final snapshot is the second one: the seeding log below the first is cut
  began=$(date +%s)
  summary=$("$parley" history compact --data-dir "$data" --keep 10 --min-messages 1 2>/dev/null)
  compacted=$(( $(date +%s) - began ))
  cold=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["cold_messages"])' "$summary")
  hot=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["hot_messages"])' "$summary")
  port=$(free_port)
  serve "$data" "$port" --compaction-every-seconds 0
  sleep 1
  cold_start=$took cold_rss=$(rss_mib "$pid") cold_pages=$(pages "$port")
  stop
  history=$(du -sm "$data/history" | cut -f1)
  echo "$messages messages of 200 bytes in $conversations conversations: seeded in ${seeded} s, compacted in ${compacted} s ($cold cold, $hot hot), history files $history MiB"
  echo
  echo "| state | start from the snapshot | RSS after it | REST page of 50 (ms p50 / p99 / max), page cache dropped first | the same pages again (warm) |"
  echo "| --- | ---: | ---: | --- | --- |"
  echo "| all $messages hot | $hot_start s | $hot_rss MiB | $hot_pages |"
  echo "| $hot hot, $cold cold | $cold_start s | $cold_rss MiB | $cold_pages |"
  exit 0
fi

[ "$mode" = interference ] || { echo "usage: $0 memory|interference" >&2; exit 2; }
swift build -c release --product parley-load >/dev/null
load=.build/release/parley-load
backlog=${BACKLOG:-3000000}
seed "$root/seeded" "$backlog" $((backlog / 1000))
"$parley" snapshot create --data-dir "$root/seeded" >/dev/null  # each run then starts without a long replay
scenario() {  # label, compaction on|off, scenario arguments…
  local label=$1 compaction=$2 port data
  shift 2
  data="$root/run"
  rm -rf "$data"
  cp -r "$root/seeded" "$data"
  port=$(free_port)
  if [ "$compaction" = on ]; then
    serve "$data" "$port" --compaction-every-seconds 1 --history-keep 10 --history-min-messages 1
  else
    serve "$data" "$port" --compaction-every-seconds 0
  fi
  (pin 1 "$load" "$@" --url "http://127.0.0.1:$port" --server-pid "$pid" --json --quiet --time-limit 120) > "$root/$label-$compaction.json"
  local files
  files=$(ls "$data/history" 2>/dev/null | grep -c '\.hist$' || true)
  stop
  echo "$files" > "$root/$label-$compaction.files"
}
for round in 1 2; do
  for compaction in off on; do
    scenario "durable$round" "$compaction" durable --publishers 256 --duration 10
    scenario "support$round" "$compaction" support --conversations 1000 --rate 1000 --duration 10
  done
done
python3 - "$root" <<'PY'
import json, os, sys
root = sys.argv[1]
print("| scenario | round | compaction | delivered/s | p50 ms | p99 ms | history files written during the run |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: |")
for name in ["durable", "support"]:
    for round in [1, 2]:
        for compaction in ["off", "on"]:
            r = json.load(open(os.path.join(root, f"{name}{round}-{compaction}.json")))
            files = open(os.path.join(root, f"{name}{round}-{compaction}.files")).read().strip()
            l = r["latencyMicroseconds"]
            print(f"| {name} | {round} | {compaction} | {r['deliveredPerSecond']:,.0f} | {l['p50']/1000:.2f} | {l['p99']/1000:.2f} | {files} |")
PY
