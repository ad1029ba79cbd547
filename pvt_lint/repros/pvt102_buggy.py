"""PVT102 unpicklable-callable-to-process, buggy: a lambda and a nested function sent to other processes.

A pool pickles the function for every task; spawn pickles a Process target. Pickle stores a
function by its importable name, and a lambda or a nested function has none.
"""
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor


def main():
    failures = []

    with ProcessPoolExecutor(max_workers=1) as pool:
        try:
            print("  pool.map(lambda):", list(pool.map(lambda x: x * x, [1, 2, 3], timeout=60)))  # expect: PVT102
        except Exception as exc:
            failures.append(f"pool.map(lambda) -> {type(exc).__name__}: {exc}")

    def square(x):
        print(f"  child: {x} * {x} = {x * x}")

    ctx = multiprocessing.get_context("spawn")
    p = ctx.Process(target=square, args=(3,))  # expect: PVT102
    try:
        p.start()
        p.join(timeout=60)
    except Exception as exc:
        failures.append(f"spawn Process(target=square) -> {type(exc).__name__}: {exc}")
    return failures, p.exitcode


if __name__ == "__main__":
    failures, exitcode = main()
    if len(failures) == 2:
        print(f"reproduced: {'; '.join(failures)}")
    elif not failures and exitcode == 0:  # this script with both functions at module level (`--fix`)
        print("fixed: pool.map and a spawned Process(target=square) both pickled their functions by name")
    else:
        print(f"not reproduced: only {len(failures)} of 2 calls failed to pickle")
        sys.exit(1)
