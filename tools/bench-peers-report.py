#!/usr/bin/env python3
"""The table of `make bench-peers` (tools/bench-peers.sh): reads the run directory's results,
prints each figure with Parley's ratio to the peer, writes `summary.json` (for
tools/bench-plot.py) and the table between the `bench-peers` markers of docs/PERFORMANCE.md.

    tools/bench-peers-report.py RUN_DIR docs/PERFORMANCE.md RUNS WRITE_DELAY_MS
"""
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from perfdoc import write_section, written_by  # noqa: E402


def redis_benchmark(text_path, numbers_path, name="redis-server"):
    """redis-benchmark's own report: throughput, its latency summary and percentile distribution."""
    text = open(text_path).read()
    numbers = json.load(open(numbers_path))
    rate = float(re.search(r"throughput summary: ([0-9.]+) requests per second", text).group(1))
    summary = re.search(r"avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([0-9.\s]+)\n", text).group(1).split()
    avg, low, p50, p95, p99, high = (float(v) * 1000 for v in summary)  # µs
    curve = []
    distribution = text.split("Latency by percentile distribution:")[1].split("\n\n")[0]
    for line in distribution.strip().splitlines():
        match = re.match(r"([0-9.]+)% <= ([0-9.]+) milliseconds", line.strip())
        if match:
            curve.append([float(match.group(1)), float(match.group(2)) * 1000])
    completed = int(re.search(r"(\d+) requests completed", text).group(1))
    return {
        "name": name, "rate": rate, "p50": p50, "p99": p99, "max": high, "curve": curve,
        "cpu": numbers["cpu"], "per_cpu_second": completed / max(numbers["cpu"], 0.001),
        **cost_per_ack(numbers["cpu"], numbers.get("kernel"), completed),
    }


def cost_per_ack(cpu, kernel, acks):
    """The server's CPU per acknowledged message, µs, split into its own code (user) and the
    kernel's work for it (system calls, and on loopback the receiving side of what it sends);
    none where the run did not record the kernel's part."""
    if kernel is None or not acks:
        return {}
    return {"user_us": (cpu - kernel) / acks * 1e6, "kernel_us": kernel / acks * 1e6}


def parley(path):
    r = json.load(open(path))
    latency = r["latencyMicroseconds"]
    return {
        "name": "Parley", "rate": r["deliveredPerSecond"], "p50": latency["p50"], "p99": latency["p99"],
        "max": latency["max"], "curve": latency.get("curve", []), "cpu": r.get("serverCPUSeconds") or 0,
        "per_cpu_second": r.get("deliveredPerServerCPUSecond") or 0, "per_fsync": r.get("messagesPerFsync"),
        "losses": r["losses"], "duplicates": r["duplicates"], "rss_per_connection": r.get("rssBytesPerConnection"),
        "closed": r.get("sessionsClosedByServer", 0),
        **cost_per_ack(r.get("serverCPUSeconds") or 0, r.get("serverKernelSeconds"), r["delivered"]),
    }


def durable(results, name):
    """The durable runs of one server, alternated with the peer's: the median of each figure
    (acks/s, per CPU-second, p50, p99 each on its own), every run's acks/s, and the latency
    curve of the run with the median acks/s."""
    median = lambda key: statistics.median(r[key] for r in results)
    middle = sorted(results, key=lambda r: r["rate"])[len(results) // 2]
    summary = dict(middle)
    summary.update({"name": name, "runs": [r["rate"] for r in results], "rate": median("rate"), "p50": median("p50"),
                    "p99": median("p99"), "per_cpu_second": median("per_cpu_second"),
                    "per_cpu_second_runs": [r["per_cpu_second"] for r in results]})
    for key in ("per_fsync", "user_us", "kernel_us"):
        if all(r.get(key) is not None for r in results):
            summary[key] = median(key)
        else:
            summary.pop(key, None)
    for key in ("losses", "duplicates"):
        if key in middle:
            summary[key] = sum(r[key] for r in results)
    return summary


def room(run, prefix, name, runs):
    """The room runs of one server: every run's figures, and the median run's latency curve."""
    results = [parley(os.path.join(run, f"{prefix}-room-{i}.json")) for i in range(1, runs + 1)]
    ordered = sorted(results, key=lambda r: r["per_cpu_second"])
    median = ordered[len(ordered) // 2]
    return {"name": name, "runs": [r["per_cpu_second"] for r in results], "median": median["per_cpu_second"],
            "rate": median["rate"], "p50": median["p50"], "p99": median["p99"], "curve": median["curve"],
            "losses": sum(r["losses"] for r in results), "duplicates": sum(r["duplicates"] for r in results),
            "closed": sum(r["closed"] for r in results)}


def main():
    run, doc, runs, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    commands = dict(line.rstrip("\n").split("\t", 1) for line in open(os.path.join(run, "commands")))
    redis = durable([redis_benchmark(os.path.join(run, f"redis-durable-{i}.txt"), os.path.join(run, f"redis-durable-{i}.json"))
                     for i in range(1, runs + 1)], "redis-server")
    ours = durable([parley(os.path.join(run, f"parley-durable-{i}.json")) for i in range(1, runs + 1)], "Parley")
    floor = durable([redis_benchmark(os.path.join(run, f"floor-durable-{i}.txt"), os.path.join(run, f"floor-durable-{i}.json"),
                                     "resp-floor") for i in range(1, runs + 1)], "resp-floor (SwiftNIO)")
    pipelined = parley(os.path.join(run, "parley-pipelined.json"))
    rooms = {"nats": room(run, "nats", "nats-server", runs), "nchan": room(run, "nchan", "nginx + nchan", runs),
             "parley": room(run, "parley", "Parley", runs), "batch": room(run, "parley-batch", "Parley, batching", runs),
             "delay": room(run, "parley-delay", f"Parley, {delay} ms write delay", runs)}
    idle = {key: parley(os.path.join(run, f"{key}-idle.json"))["rss_per_connection"] or 0 for key in ["nats", "nchan", "parley"]}
    disk = json.load(open(os.path.join(run, "disk.json")))
    wait = disk["arrival_wait_us"]
    ms = lambda us: f"{us / 1000:.2f}"
    millions = lambda r: f"{r['median'] / 1e6:.2f} M (runs: {', '.join(f'{v / 1e6:.2f}' for v in r['runs'])})"
    cost = lambda r: f"{r['user_us']:.1f} + {r['kernel_us']:.1f}" if "user_us" in r and "kernel_us" in r else "—"
    ratio = lambda a, b, key: f"{a[key] / max(b[key], 0.001):.2f}×" if key in a and key in b else "—"
    thousands = lambda value, values: f"{value:,.0f} (runs: {', '.join(f'{v / 1e3:.1f} k' for v in values)})"
    rows = [
        (f"durable, 256 publishers each waiting for its ack: acks/s, median of {runs} runs alternating with the peer's",
         thousands(redis["rate"], redis["runs"]), thousands(ours["rate"], ours["runs"]), f"{ours['rate'] / redis['rate']:.2f}×", "≥ 1.0×"),
        ("durable: p50 / p99 ack latency, ms (medians)", f"{ms(redis['p50'])} / {ms(redis['p99'])}", f"{ms(ours['p50'])} / {ms(ours['p99'])}",
         f"p99 {ours['p99'] / redis['p99']:.2f}×", "p99 ≤ 1.0×"),
        ("durable: acks per server CPU-second (median)", thousands(redis["per_cpu_second"], redis["per_cpu_second_runs"]),
         thousands(ours["per_cpu_second"], ours["per_cpu_second_runs"]), f"{ours['per_cpu_second'] / redis['per_cpu_second']:.2f}×", ""),
        ("durable: server CPU per ack, µs: its own code + the kernel's (medians)", cost(redis), cost(ours),
         f"{ratio(ours, redis, 'user_us')} user, {ratio(ours, redis, 'kernel_us')} kernel", ""),
        ("durable floor: redis's job (SET, append, fdatasync, +OK) in a minimal SwiftNIO server, `resp-floor`, under the same "
         "redis-benchmark: acks/s; server CPU per ack, µs, its own code + the kernel's (medians; Parley's column: the floor)",
         f"{thousands(redis['rate'], redis['runs'])}; {cost(redis)}", f"{thousands(floor['rate'], floor['runs'])}; {cost(floor)}",
         f"{floor['rate'] / redis['rate']:.2f}×; {ratio(floor, redis, 'user_us')} user", ""),
        ("durable: messages per fsync (median)", "—", f"{ours.get('per_fsync') or 0:.1f}", "", "≥ 50"),
        ("the disk under both (`parley wal fsync-test`, core 0): a message's wait for the next fdatasync, p50 / p99 / p99.9 ms; "
         "fdatasyncs/s", "the same disk", f"{ms(wait['p50'])} / {ms(wait['p99'])} / {ms(wait['p99_9'])}; {disk['syncs_per_second']:,.0f}/s",
         "", ""),
        ("one publisher pipelining 32: acks/s, messages per fsync", "—",
         f"{pipelined['rate']:,.0f}, {pipelined['per_fsync'] or 0:.1f} per fsync", "", ""),
        ("room, 1,000 subscribers: delivered per server CPU-second, batching on, vs nats-server", millions(rooms["nats"]),
         millions(rooms["batch"]), f"{rooms['batch']['median'] / rooms['nats']['median']:.2f}×", "≥ 0.5×"),
        ("room: batching off, vs nats-server", millions(rooms["nats"]),
         millions(rooms["parley"]), f"{rooms['parley']['median'] / rooms['nats']['median']:.2f}×", ""),
        ("room: batching off, vs nginx + nchan", millions(rooms["nchan"]), millions(rooms["parley"]),
         f"{rooms['parley']['median'] / rooms['nchan']['median']:.2f}×", "≥ 3× (batching off)"),
        (f"room: batching off, server write delay {delay} ms (`--ws-write-delay-ms {delay}`), vs nginx + nchan",
         millions(rooms["nchan"]), millions(rooms["delay"]), f"{rooms['delay']['median'] / rooms['nchan']['median']:.2f}×", ""),
        ("room: p50 / p99 publish → deliver, ms (median run), nats; nchan / Parley; batching; write delay",
         f"{ms(rooms['nats']['p50'])} / {ms(rooms['nats']['p99'])}; {ms(rooms['nchan']['p50'])} / {ms(rooms['nchan']['p99'])}",
         f"{ms(rooms['parley']['p50'])} / {ms(rooms['parley']['p99'])}; {ms(rooms['batch']['p50'])} / {ms(rooms['batch']['p99'])}; "
         f"{ms(rooms['delay']['p50'])} / {ms(rooms['delay']['p99'])}", "", ""),
        ("room: delivered per second (what the one-threaded harness received), median run, nats; nchan / Parley; batching; write delay",
         f"{rooms['nats']['rate']:,.0f}; {rooms['nchan']['rate']:,.0f}",
         f"{rooms['parley']['rate']:,.0f}; {rooms['batch']['rate']:,.0f}; {rooms['delay']['rate']:,.0f}", "", ""),
        (f"idle, RSS per connection at {{idle_count}}: vs nats-server", f"{idle['nats']:,.0f} B", f"{idle['parley']:,.0f} B",
         f"{idle['parley'] / max(idle['nats'], 1):.2f}×", "≤ 8 KB"),
        ("idle: vs nginx + nchan", f"{idle['nchan']:,.0f} B", f"{idle['parley']:,.0f} B",
         f"{idle['parley'] / max(idle['nchan'], 1):.2f}×", ""),
    ]
    idle_count = commands["parley-idle"].split("--connections ")[1].split()[0]
    rows = [(a.replace("{idle_count}", f"{int(idle_count):,}"), b, c, d, e) for a, b, c, d, e in rows]
    lines = [
        written_by("make bench-peers") + "; every server pinned to core 0, every client to core 1, "
        "fsync on every acknowledged write, release builds.",
        "",
        "| benchmark | peer | Parley | Parley ÷ peer | target |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in rows],
        "",
        "Commands: peer `redis-server --appendonly yes --appendfsync always` (Debian's 7.0), "
        f"`redis-benchmark -c 256 -t set -d 110 -n …` (and the same against `resp-floor --port … --file …`); Parley `parley-load {commands['parley-durable-1']}` and "
        f"`parley-load {commands['parley-pipelined']}`; room `parley-load {commands['nats-room-1']}` "
        f"(`--peer nchan` for nchan) beside `parley-load {commands['parley-room-1']}` (and with `--batch`; and against `parley serve --ws-write-delay-ms {delay}`); idle `parley-load {commands['parley-idle']}` "
        "(`--peer nats|nchan` for the peers). nats-server and nginx + nchan are Debian's (2.9, 1.22 + nchan 1.3.6), one "
        "worker for nginx, CPU (its user and system parts apart) and RSS read from `/proc` of the process that serves. Losses / duplicates: durable "
        f"{ours['losses']} / {ours['duplicates']}, pipelined {pipelined['losses']} / {pipelined['duplicates']}, room "
        + ", ".join(f"{r['name']} {r['losses']} / {r['duplicates']}" for r in rooms.values())
        + "; sessions closed by a server: " + ", ".join(f"{r['name']} {r['closed']}" for r in rooms.values()) + ".",
        "",
        "![Ack latency percentiles](images/bench-durable-latency.png) ![Room latency percentiles](images/bench-room-latency.png)",
        "![Throughput](images/bench-throughput.png)",
    ]
    table = write_section(doc, "bench-peers", "tools/bench-peers.sh", lines, "Against the peers (`make bench-peers`)")
    json.dump({"durable": {"peer": redis, "parley": ours, "floor": floor}, "pipelined": pipelined, "room": rooms, "idle": idle, "disk": disk}, open(os.path.join(run, "summary.json"), "w"), indent=1)
    print(table)


if __name__ == "__main__":
    main()
