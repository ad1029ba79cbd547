"""PVT102 unpicklable-callable-to-process, fixed: module-level functions (and a functools.partial of one).

Pickle stores a module-level function by name, so both the pool and a spawned Process can use it.
"""
import functools
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor


def power(x, exponent):
    return x ** exponent


def square(x, results):
    results.put(x * x)


def main():
    with ProcessPoolExecutor(max_workers=1) as pool:
        from_pool = list(pool.map(functools.partial(power, exponent=2), [1, 2, 3], timeout=60))
    print(f"  pool.map(partial(power, exponent=2)): {from_pool}")

    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    p = ctx.Process(target=square, args=(3, results))
    p.start()
    from_process = results.get(timeout=60)
    p.join(timeout=60)
    if p.exitcode is None:
        p.terminate()
        p.join(timeout=5)
    print(f"  spawn Process(target=square): {from_process}, exit code {p.exitcode}")
    return from_pool, from_process, p.exitcode


if __name__ == "__main__":
    from_pool, from_process, exitcode = main()
    if from_pool == [1, 4, 9] and from_process == 9 and exitcode == 0:
        print(f"fixed: pool.map(partial(power)) returned {from_pool}; "
              f"spawn Process(target=square) sent back {from_process}")
    else:
        print(f"not fixed: pool returned {from_pool}, process sent {from_process}, exit code {exitcode}")
        sys.exit(1)
