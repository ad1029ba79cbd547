"""PVT302 process-pool-per-iteration, fixed: one process pool, created before the loop, for every batch.

The workers start once. The script counts how many worker processes served the 20 batches.
"""
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

BATCHES = [range(200)] * 20
WORKERS = 2


def square_and_pid(x):
    return x * x, os.getpid()


if __name__ == "__main__":
    start = time.perf_counter()
    pids = set()
    totals = []
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        for batch in BATCHES:
            results = list(pool.map(square_and_pid, batch, chunksize=50))
            totals.append(sum(value for value, _ in results))
            pids.update(pid for _, pid in results)
    took = time.perf_counter() - start
    if len(totals) == len(BATCHES) and len(pids) <= WORKERS:
        print(f"fixed: {len(BATCHES)} batches served by {len(pids)} worker processes started once, in {took:.2f} s")
    else:
        print(f"not fixed: {len(pids)} worker processes served {len(totals)} batches")
        sys.exit(1)
