"""PVT301 cpu-bound-work-in-threads, fixed: the pure-Python work runs on a process pool.

Each process has its own GIL, so 2 processes run 2 tasks at the same time. Each task measures the
CPU time it used; with 2 free cores the wall time is close to half the total CPU time.
"""
import time
from concurrent.futures import ProcessPoolExecutor

WORKERS = 2


def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def cpu_seconds_of_crunch(n):
    start = time.process_time()
    crunch(n)
    return time.process_time() - start


def size_for(seconds):
    """The n for which crunch(n) takes about `seconds` on one core of this machine."""
    n = 20_000
    while True:
        start = time.perf_counter()
        crunch(n)
        took = time.perf_counter() - start
        if took > 0.05:
            return int(n * seconds / took)
        n *= 2


if __name__ == "__main__":
    n = size_for(1.0 / WORKERS)  # about 1 s of work in total
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        cpu = sum(pool.map(cpu_seconds_of_crunch, [n] * WORKERS))
    wall = time.perf_counter() - start  # includes starting the worker processes
    print(f"fixed: {WORKERS} processes ran {WORKERS} x crunch({n}), {cpu:.2f} s of CPU in total, "
          f"in {wall:.2f} s (speed-up {cpu / wall:.2f})")
