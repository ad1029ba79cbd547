"""Time one PVT301 fixture's CPU-bound function on a thread pool and a process pool of the same size.

    python benchmarks/threads_vs_processes.py                 # 4 workers (or fewer CPUs), ~2 s of work
    python benchmarks/threads_vs_processes.py --workers 2 --limit 400000

The function is `count_primes` from fixtures/PVT301/prime_counting.py, the code PVT301 flags at
`pool.map(count_primes, ...)`. Both pools get the same chunks; the process time includes starting the
workers. Prints both times and threads/processes: under the GIL the ratio approaches the number of
workers (given that many free cores), on a free-threaded build it approaches 1. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

# Importable by name, so the worker processes (spawn or forkserver) can unpickle the function too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures" / "PVT301"))

import prime_counting  # noqa: E402


def timed(executor_class, workers: int, chunks: list[tuple[int, int]]) -> tuple[float, int]:
    start = time.perf_counter()
    with executor_class(max_workers=workers) as pool:
        total = sum(pool.map(prime_counting.count_primes, chunks))
    return time.perf_counter() - start, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--limit", type=int, default=600_000, help="count primes below this")
    args = parser.parse_args(argv)
    step = max(1, args.limit // (args.workers * 4))
    chunks = [(lo, min(lo + step, args.limit)) for lo in range(0, args.limit, step)]

    serial_start = time.perf_counter()
    expected = sum(prime_counting.count_primes(c) for c in chunks)
    serial = time.perf_counter() - serial_start
    threads, by_threads = timed(ThreadPoolExecutor, args.workers, chunks)
    processes, by_processes = timed(ProcessPoolExecutor, args.workers, chunks)
    if not expected == by_threads == by_processes:
        print(f"results differ: serial {expected}, threads {by_threads}, processes {by_processes}")
        return 1

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python {sys.version.split()[0]}, GIL enabled: {gil}, CPUs: {os.cpu_count()}, "
          f"workers: {args.workers}, count_primes below {args.limit} in {len(chunks)} chunks ({expected} primes)")
    print(f"one thread (serial): {serial:.2f} s")
    print(f"thread pool:         {threads:.2f} s")
    print(f"process pool:        {processes:.2f} s")
    print(f"ratio threads/processes: {threads / processes:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
