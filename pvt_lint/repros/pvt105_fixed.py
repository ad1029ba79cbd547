"""PVT105 global-set-in-parent-read-in-child, fixed: the pool's initializer sets the global in every worker.

The parent still decides SCALE at run time, but now sends it: `initargs` is pickled to each worker, and
`initializer` writes it into that worker's own module before any task runs. Spawned workers see 10 as
forked ones do. (Passing the value as an argument of each task works too.)
"""
import multiprocessing
import sys

SCALE = 1


def set_scale(scale):
    global SCALE
    SCALE = scale


def work(n):
    return n * SCALE


def results_under(method, scale):
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(2, initializer=set_scale, initargs=(scale,)) as pool:
        got = pool.map_async(work, [1, 2, 3]).get(timeout=60)
    print(f"  {method:<10} workers returned {got}", flush=True)
    return got


if __name__ == "__main__":
    scale = 10
    print(f"  parent: scale = {scale}, so work(1), work(2), work(3) should be [10, 20, 30]", flush=True)
    methods = multiprocessing.get_all_start_methods()
    results = {method: results_under(method, scale) for method in methods}
    wrong = {method: got for method, got in results.items() if got != [10, 20, 30]}
    if not wrong:
        print(f"fixed: workers returned [10, 20, 30] under every start method ({', '.join(methods)}), "
              f"spawn included")
    else:
        print(f"not fixed: {wrong}")
        sys.exit(1)
