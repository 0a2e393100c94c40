#!/usr/bin/env bash
# The standard load set of `make bench`: the five parley-load scenarios at modest sizes, each
# against a fresh release `parley serve` pinned to core 0 (the harness on core 1), fsync
# `always`, rate limits off. Writes the results table into docs/PERFORMANCE.md between the
# `load-bench` markers, with the date, the machine and the commands. Bounded: every run has a
# --time-limit, the whole set takes about two minutes.
#
#   tools/bench-load.sh                       the standard set; rewrites the PERFORMANCE.md table
#   tools/bench-load.sh room --subscribers 1000 --rate max --duration 10
#                                             one scenario against a fresh pinned server, human
#                                             table on stdout, PERFORMANCE.md untouched
#   PERF=1 tools/bench-load.sh room …         the same, with `perf record -g` of the server
#                                             (perf.data and a top-of-profile in perf-report.txt);
#                                             PERF_DELAY=<s> starts the profile after the setup;
#                                             PERF_CALLGRAPH=dwarf PERF_SECONDS=<s> for callers
#                                             inside the Swift runtime
#   PARLEY_BIN=/tmp/parley-before tools/bench-load.sh room …
#                                             the same against another server binary (A/B)
set -euo pipefail
cd "$(dirname "$0")/.."
# PARLEY_BIN=<path> runs another build of the server (an A/B comparison: a copy of the
# release binary from before a change), unbuilt.
if [ -z "${PARLEY_BIN:-}" ]; then swift build -c release --product parley >/dev/null; fi
swift build -c release --product parley-load >/dev/null
parley=${PARLEY_BIN:-.build/release/parley}
# Many connections need many descriptors (both ends live on this machine); raise the limit
# where we may (root), else keep what we have.
ulimit -Hn 1048576 2>/dev/null || true
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
load=.build/release/parley-load
out=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$out"
}
trap cleanup EXIT

# `exec` keeps the pid of a backgrounded `pin` the pid of the program itself.
pin() { if command -v taskset >/dev/null; then exec taskset -c "$1" "${@:2}"; else exec "${@:2}"; fi; }

run() {  # name, then the scenario's arguments
  local name=$1; shift
  local data="$out/data-$name"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (pin 0 "$parley" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --rate-limits off --log-level warning) &
  pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "load-bench: $name: parley-load $*" >&2
  if [ "$name" = single ]; then
    local perfpid=""
    if [ "${PERF:-}" = 1 ]; then
      # PERF_DELAY=<s> skips the scenario's setup (sign-ups, connecting) in the profile.
      # PERF_CALLGRAPH=dwarf attributes time inside the Swift runtime (retain, release) to
      # its callers, which frame pointers do not; PERF_SECONDS=<s> bounds its large profile.
      local graph=(-g); [ "${PERF_CALLGRAPH:-}" = dwarf ] && graph=(--call-graph dwarf,16384)
      (sleep "${PERF_DELAY:-0}"; if [ -n "${PERF_SECONDS:-}" ]; then exec timeout -s INT "$PERF_SECONDS" perf record -F 499 "${graph[@]}" -o perf.data -p "$pid" 2>/dev/null; else exec perf record -F 499 "${graph[@]}" -o perf.data -p "$pid" 2>/dev/null; fi) & perfpid=$!
    fi
    (pin 1 "$load" "$@" --url "http://127.0.0.1:$port" --server-pid "$pid" --time-limit 300)
    if [ -n "$perfpid" ]; then
      kill -INT "$perfpid" 2>/dev/null; wait "$perfpid" 2>/dev/null || true
      perf report -i perf.data --no-children --sort dso,symbol --stdio 2>/dev/null | grep -v '^#' | grep '%' | head -60 > perf-report.txt
      echo "load-bench: profile in perf.data, top symbols in perf-report.txt" >&2
    fi
  else
    (pin 1 "$load" "$@" --url "http://127.0.0.1:$port" --server-pid "$pid" --json --quiet --time-limit 120) > "$out/$name.json"
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  printf '%s\t%s\n' "$name" "$*" >> "$out/commands"
}

if [ $# -gt 0 ]; then
  run single "$@"
  exit 0
fi

run room room --subscribers 1000 --rate max --duration 10
run support support --conversations 1000 --rate 1000 --duration 10
run durable durable --publishers 256 --duration 10
run idle idle --connections 5000 --duration 5
run churn churn --rate 500 --duration 5

python3 - "$out" docs/PERFORMANCE.md <<'PY'
import json, os, sys
sys.path.insert(0, "tools/lib")
from perfdoc import write_section, written_by
out, doc = sys.argv[1], sys.argv[2]
commands = dict(l.rstrip("\n").split("\t", 1) for l in open(os.path.join(out, "commands")))
rows = []
for name in ["room", "support", "durable", "idle", "churn"]:
    r = json.load(open(os.path.join(out, name + ".json")))
    l = r["latencyMicroseconds"]
    extra = []
    if r.get("deliveredPerServerCPUSecond"): extra.append(f'{r["deliveredPerServerCPUSecond"]:,.0f} delivered per server CPU-s')
    if r.get("messagesPerFsync"): extra.append(f'{r["messagesPerFsync"]:.1f} messages per fsync')
    if r.get("rssBytesPerConnection"): extra.append(f'{r["rssBytesPerConnection"]:,.0f} B RSS per connection')
    if r.get("sessionsClosedByServer"): extra.append(f'{r["sessionsClosedByServer"]} sessions closed by the server')
    rows.append(f'| `parley-load {commands[name]}` | {r["deliveredPerSecond"]:,.0f}/s | {r["losses"]} / {r["duplicates"]} | '
                f'{l["p50"]/1000:.2f} / {l["p99"]/1000:.2f} / {l["p999"]/1000:.2f} / {l["max"]/1000:.2f} | '
                f'{(r.get("serverCPUSeconds") or 0):.1f} s | {"; ".join(extra)} |')
print(write_section(doc, "load-bench", "tools/bench-load.sh", [
    written_by("make bench") + "; server pinned to core 0, harness to core 1, fsync `always`, release builds.",
    "",
    "| command | delivered | losses / dup | latency ms p50 / p99 / p99.9 / max | server CPU | notes |",
    "| --- | --- | --- | --- | --- | --- |",
    *rows,
], "Standard load set (`make bench`)"))
PY
