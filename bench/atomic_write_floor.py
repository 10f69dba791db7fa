#!/usr/bin/env python3
"""The floor of writing one sidecar durably, for bench/sidecar.sh: the same bytes written the way
any crash-safe program must (a temporary file, write, fsync, rename over the old one, fsync of the
folder), in one process, so that no process start is counted. Prints the median of RUNS writes in
milliseconds, and the median of the same without either fsync (atomic, not durable).

  python3 bench/atomic_write_floor.py SIDECAR [RUNS]
"""
import os, statistics, sys, time

path, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100
data = open(path, "rb").read()
folder = os.path.dirname(path) or "."
target = os.path.join(folder, ".floor-" + os.path.basename(path))

def write(durable):
    temp = target + ".tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, data)
    if durable:
        os.fsync(fd)
    os.close(fd)
    os.rename(temp, target)
    if durable:
        dfd = os.open(folder, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)

def median_ms(durable):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        write(durable)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)

durable, atomic = median_ms(True), median_ms(False)
os.unlink(target)
print(f"{durable:.2f} {atomic:.3f}")
