"""PVT301 cpu-bound-work-in-threads, buggy: pure-Python number crunching on a thread pool.

With the GIL only one thread runs Python code at a time, so 2 threads take about as long as one
core would; 2 processes (one GIL each) share the work. Timings vary by machine: they are printed,
not judged strictly.
"""
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

WORKERS = 2


def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


USED = []  # the kind of pool with_threads ran on: a process pool once `pvt-lint --fix --unsafe-fixes` made it one


def with_threads(n):
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(crunch, [n] * WORKERS))  # expect: PVT301
        USED.append(type(pool).__name__)
        return results


def with_processes(n):
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(crunch, [n] * WORKERS))


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


def seconds(run, n):
    start = time.perf_counter()
    run(n)
    return time.perf_counter() - start


if __name__ == "__main__":
    n = size_for(1.0 / WORKERS)  # about 1 s of work in total
    threads = seconds(with_threads, n)
    processes = seconds(with_processes, n)  # includes starting the worker processes
    ratio = threads / processes
    verdict = f"threads took {threads:.2f} s, processes took {processes:.2f} s (ratio {ratio:.2f})"
    if USED == ["ProcessPoolExecutor"]:
        print(f"fixed: crunch ran on {WORKERS} processes in both runs, {threads:.2f} s and {processes:.2f} s")
    elif ratio > 1:
        print(f"reproduced: {verdict}")
    else:
        gil = getattr(sys, "_is_gil_enabled", lambda: True)()
        print(f"not reproduced: {verdict}; CPUs: {os.cpu_count()}, GIL enabled: {gil}")
        sys.exit(1)
