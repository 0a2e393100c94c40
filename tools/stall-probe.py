#!/usr/bin/env python3
"""Stalls of this machine's CPU: how late a real-time sleeper wakes.

A thread at SCHED_FIFO priority 50 (so no process of the machine delays it) sleeps 1 ms at a
time for --seconds and counts the wakes more than --late-ms late. On a quiet machine there are
none; on a virtual machine whose host throttles it (a CPU quota shared by its virtual CPUs and
the host's I/O work for it) they come in runs of 10-20 ms. docs/PERFORMANCE.md, "The support
tail and the host's CPU budget", uses it beside `tools/bench-load.sh support`:

    (sleep 31; taskset -c 0 tools/stall-probe.py --seconds 8) & tools/bench-load.sh support ...

Prints one line; with --json, an object. Needs root (or CAP_SYS_NICE) for the real-time
policy; without it, it runs at normal priority and says so.
"""
import argparse
import json
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to probe (default 5)")
    parser.add_argument("--late-ms", type=float, default=3.0, help="a wake this late counts as a stall (default 3)")
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    args = parser.parse_args()
    if args.seconds <= 0 or args.late_ms <= 0:
        parser.error("--seconds and --late-ms must be positive")
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
        policy = "SCHED_FIFO 50"
    except PermissionError:
        policy = "normal (no permission for SCHED_FIFO)"
    period_ns = 1_000_000
    late_ns = int(args.late_ms * 1e6)
    started = time.monotonic_ns()
    end = started + int(args.seconds * 1e9)
    wakes = stalls = 0
    stalled_ns = longest_ns = 0
    while True:
        before = time.monotonic_ns()
        if before >= end:
            break
        time.sleep(period_ns / 1e9)
        lateness = time.monotonic_ns() - before - period_ns
        wakes += 1
        if lateness > late_ns:
            stalls += 1
            stalled_ns += lateness
            longest_ns = max(longest_ns, lateness)
    elapsed_ns = time.monotonic_ns() - started
    result = {
        "seconds": round(elapsed_ns / 1e9, 3),
        "policy": policy,
        "wakes": wakes,
        "stalls": stalls,
        "stalled_ms": round(stalled_ns / 1e6, 1),
        "stalled_percent": round(100 * stalled_ns / elapsed_ns, 2),
        "longest_ms": round(longest_ns / 1e6, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"stall-probe: {result['wakes']} wakes in {result['seconds']} s ({policy}); "
            f"{stalls} more than {args.late_ms:g} ms late, {result['stalled_ms']} ms in all "
            f"({result['stalled_percent']} %), the longest {result['longest_ms']} ms"
        )


if __name__ == "__main__":
    main()
