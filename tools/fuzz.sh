#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Fuzz/ with -sanitize=fuzzer,address (into
# .build-fuzz/, apart from the normal build) and runs each for FUZZ_SECONDS (60) on a copy of
# its committed seed corpus (Fuzz/Corpus/<target>; what a run adds stays in .build-fuzz/corpus).
# A crash, a sanitizer report or a broken property stops the run with exit 1 and leaves the
# input in .build-fuzz/artifacts/. FUZZ_TARGETS picks targets; FUZZ_RUNS=N runs N inputs
# instead of a time (the documented 10^7 run: FUZZ_RUNS=10000000). FUZZ_CONFIG=release builds
# the targets optimized (still with the sanitizers and with every precondition kept): about ten
# times the executions per second, for the long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-EventCodecFuzzer SegmentScannerFuzzer SnapshotLoaderFuzzer HistoryFileFuzzer ClientFramesFuzzer RequestBodiesFuzzer RedisReplyFuzzer}
scratch=.build-fuzz
config=${FUZZ_CONFIG:-debug}
case "$config" in debug | release) ;; *) echo "fuzz: FUZZ_CONFIG is debug or release, not $config" >&2; exit 2 ;; esac
# lld: gold stops with an internal error on libFuzzer's objects.
mkdir -p "$scratch"
# Release: -enable-testing, for the targets' @testable imports.
testing=()
[ "$config" = release ] && testing=(-Xswiftc -enable-testing)
if ! swift build -c "$config" --package-path Fuzz --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld "${testing[@]}" \
    >"$scratch/build.log" 2>&1; then
  grep -E 'error:' -A3 "$scratch/build.log" | head -40 >&2
  echo "fuzz: the build failed (log: $scratch/build.log)" >&2
  exit 2
fi
# The Swift runtime keeps its metadata caches until exit: LeakSanitizer would report them.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
mkdir -p "$scratch/artifacts"
status=0
for target in $targets; do
  binary="$scratch/$config/$target"
  [ -x "$binary" ] || { echo "fuzz: $binary was not built" >&2; exit 2; }
  work="$scratch/corpus/$target"
  mkdir -p "$work"
  cp -n Fuzz/Corpus/"$target"/* "$work"/ 2>/dev/null || true
  limit=(-max_total_time="$seconds")
  [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$FUZZ_RUNS")
  log="$scratch/$target.log"
  if "$binary" "${limit[@]}" -print_final_stats=1 -rss_limit_mb=4096 -timeout=10 \
      -artifact_prefix="$scratch/artifacts/$target-" "$work" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cover=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
    echo "fuzz: $target: $runs inputs ($rate/s), $cover, no crash"
  else
    status=1
    echo "fuzz: $target FAILED; the input is in $scratch/artifacts/ (log: $log)" >&2
    grep -E 'ERROR|Fatal error|Precondition|precondition|SUMMARY|Test unit written' "$log" | head -20 >&2
  fi
done
exit $status
