#!/usr/bin/env python3
"""fdatasync cost of a log's small appends, on the disk holding a directory: appends that
lengthen the file (each sync writes the data and the inode) against appends into space
reserved with posix_fallocate or written as zeros beforehand (each sync writes the data
alone). What snapshots/FORMAT.md's "Reserved space" is measured by (docs/PERFORMANCE.md).

    python3 tools/fsync-probe.py [DIRECTORY] [--appends N] [--size BYTES]

Bounded: N appends (default 3,000) of BYTES (default 256) per variant, two rounds; the probe
file is removed afterwards.
"""
import argparse
import os
import time


def probe(path, mode, appends, size):
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o644)
    try:
        if mode == "fallocate":
            os.posix_fallocate(fd, 0, appends * size + 4096)
            os.fsync(fd)
        elif mode == "zeros":
            os.write(fd, b"\0" * (appends * size + 4096))
            os.fsync(fd)
            os.lseek(fd, 0, os.SEEK_SET)
        record = b"x" * size
        latencies = []
        started = time.perf_counter()
        for _ in range(appends):
            os.write(fd, record)
            before = time.perf_counter()
            os.fdatasync(fd)
            latencies.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - started
    finally:
        os.close(fd)
        os.unlink(path)
    latencies.sort()
    print(f"{mode:>10}: {appends / elapsed:7.0f} appends+syncs/s   fdatasync p50 {latencies[len(latencies) // 2] * 1e6:5.0f} us"
          f"   p99 {latencies[int(len(latencies) * 0.99)] * 1e6:5.0f} us")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", nargs="?", default=".")
    parser.add_argument("--appends", type=int, default=3000)
    parser.add_argument("--size", type=int, default=256)
    arguments = parser.parse_args()
    path = os.path.join(arguments.directory, ".parley-fsync-probe")
    for _ in range(2):
        for mode in ("growing", "fallocate", "zeros"):
            probe(path, mode, arguments.appends, arguments.size)


if __name__ == "__main__":
    main()
