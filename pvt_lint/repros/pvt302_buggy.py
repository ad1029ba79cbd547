"""PVT302 process-pool-per-iteration, buggy: a new process pool for every batch.

Every pool starts its worker interpreters and shuts them down again; 20 batches pay that 20 times.
The script times it against one pool for all batches. Timings vary by machine: they are printed.
"""
import sys
import time
from concurrent.futures import ProcessPoolExecutor

BATCHES = [range(200)] * 20
WORKERS = 2


def square(x):
    return x * x


def pool_per_batch():
    totals = []
    for batch in BATCHES:
        with ProcessPoolExecutor(max_workers=WORKERS) as pool:  # expect: PVT302
            totals.append(sum(pool.map(square, batch, chunksize=50)))
    return totals


def one_pool():
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        return [sum(pool.map(square, batch, chunksize=50)) for batch in BATCHES]


def seconds(run):
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


if __name__ == "__main__":
    per_batch, a = seconds(pool_per_batch)
    once, b = seconds(one_pool)
    verdict = f"a pool per batch took {per_batch:.2f} s, one pool took {once:.2f} s (ratio {per_batch / once:.1f})"
    if a == b and per_batch > once:
        print(f"reproduced: {verdict}")
    else:
        print(f"not reproduced: {verdict}")
        sys.exit(1)
