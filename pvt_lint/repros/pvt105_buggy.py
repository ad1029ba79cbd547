"""PVT105 global-set-in-parent-read-in-child, buggy: the main guard sets a global, pool workers read it.

The parent sets SCALE inside `if __name__ == "__main__":` (as a program does after parsing its command
line), then maps a pool over `work`, which reads SCALE. A forked worker is a copy of the parent and sees
10. A spawned worker is a fresh interpreter that imports this file again as __mp_main__, where the main
guard does not run, so it sees the import-time 1.

The spawn context is asked for explicitly so that the bug shows on Linux too: Linux up to Python 3.13
defaults to fork, which hides it; spawn is the default on macOS and Windows, and forkserver (which
behaves the same here) on Linux since Python 3.14.
"""
import multiprocessing
import sys

SCALE = 1


def work(n):
    return n * SCALE  # expect: PVT105


def results_under(method):
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2) as pool:
        got = pool.map_async(work, [1, 2, 3]).get(timeout=60)
    print(f"  {method:<10} workers returned {got}", flush=True)
    return got


if __name__ == "__main__":
    SCALE = 10
    print(f"  parent: SCALE = {SCALE}, so work(1), work(2), work(3) should be [10, 20, 30]", flush=True)
    for method in ("fork", "forkserver"):
        if method in multiprocessing.get_all_start_methods():
            results_under(method)  # for comparison
    spawned = results_under("spawn")
    if spawned == [1, 2, 3]:
        print(f"reproduced: spawned workers saw the import-time SCALE = 1 and returned {spawned}, "
              f"not [10, 20, 30]")
    else:
        print(f"not reproduced: spawned workers returned {spawned}")
        sys.exit(1)
