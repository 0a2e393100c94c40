#!/usr/bin/env python3
"""Plots of `make bench-peers` (run in the test virtual environment, which has matplotlib):
latency percentile curves of Parley and each peer from the HdrHistogram data, and throughput
bars, as PNG files people can read at a glance.

    .build/venv/bin/python tools/bench-plot.py RUN_DIR/summary.json docs/images
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter  # noqa: E402

COLOURS = {"Parley": "#1f6feb", "Parley, batching": "#0a3069", "redis-server": "#d1242f", "nats-server": "#2da44e", "nginx + nchan": "#8250df", "resp-floor (SwiftNIO)": "#bf8700"}


def nines(percentile):
    """Where a percentile sits on the axis: 90 → 1, 99 → 2, 99.9 → 3 (100 is drawn at 5)."""
    import math
    return 5.0 if percentile >= 100 else -math.log10(1 - percentile / 100)


def latency_plot(title, series, path):
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    for entry in series:
        points = [(nines(p), v / 1000) for p, v in entry["curve"] if p < 100 or True]
        if not points:
            continue
        axes.plot([x for x, _ in points], [y for _, y in points], marker="o", markersize=3,
                  label=entry["name"], color=COLOURS.get(entry["name"]))
    ticks = [0, nines(50), 1, 2, 3, 4, 5]
    labels = ["0", "50", "90", "99", "99.9", "99.99", "max"]
    axes.xaxis.set_major_locator(FixedLocator(ticks))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: labels[ticks.index(x)] if x in ticks else ""))
    axes.set_xlabel("percentile")
    axes.set_ylabel("latency, ms")
    axes.set_yscale("log")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def throughput_plot(bars, path):
    figure, axes = plt.subplots(figsize=(8, 4), dpi=110)
    names = [f"{b['benchmark']}\n{b['name']}" for b in bars]
    values = [b["value"] for b in bars]
    drawn = axes.barh(names, values, color=[COLOURS.get(b["name"], "#888") for b in bars])
    axes.bar_label(drawn, labels=[f"{v:,.0f}" for v in values], padding=3, fontsize=8)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("per second (durable acks) / per server CPU-second (room deliveries), log scale")
    axes.set_xlim(min(values) / 2, max(values) * 4)
    axes.set_title("Throughput, same run, same pinning")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main():
    summary = json.load(open(sys.argv[1]))
    images = sys.argv[2]
    durable = summary["durable"]
    latency_plot("Ack latency, 256 publishers, fsync on every write (median run)",
                 [durable[key] for key in ["peer", "floor", "parley"] if key in durable],
                 os.path.join(images, "bench-durable-latency.png"))
    rooms = summary["room"]
    latency_plot("Publish → deliver latency, one room, 1,000 subscribers (median run)",
                 [rooms[key] for key in ["nats", "nchan", "parley", "batch", "delay"] if key in rooms],
                 os.path.join(images, "bench-room-latency.png"))
    bars = [{"benchmark": "durable acks/s", "name": durable[key]["name"], "value": durable[key]["rate"]}
            for key in ["peer", "floor", "parley"] if key in durable]
    bars += [{"benchmark": "room, delivered per CPU-s", "name": rooms[key]["name"], "value": rooms[key]["median"]}
             for key in ["nats", "nchan", "parley", "batch", "delay"] if key in rooms]
    throughput_plot(bars, os.path.join(images, "bench-throughput.png"))
    print(f"bench-plot: wrote bench-durable-latency.png, bench-room-latency.png and bench-throughput.png in {images}")


if __name__ == "__main__":
    main()
