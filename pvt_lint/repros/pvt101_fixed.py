"""PVT101 global-mutated-in-child, fixed: the child sends its data back through a multiprocessing.Queue.

Runs the same code under every start method this platform has (fork, spawn, forkserver).
"""
import multiprocessing
import queue
import sys


def worker(results):
    results.put(1)


def run_with(method):
    ctx = multiprocessing.get_context(method)
    results = ctx.Queue()
    p = ctx.Process(target=worker, args=(results,))
    p.start()
    try:
        data = [results.get(timeout=60)]  # read before join(): a full pipe would block the child
    except queue.Empty:
        data = []
    p.join(timeout=60)
    if p.exitcode is None:
        p.terminate()
        p.join(timeout=5)
    print(f"  parent: data = {data}  ({method}, child exit code {p.exitcode})", flush=True)
    return p.exitcode == 0 and data == [1]


if __name__ == "__main__":
    methods = multiprocessing.get_all_start_methods()
    seen = [method for method in methods if run_with(method)]
    if seen == methods:
        print(f"fixed: parent received [1] from the child through a multiprocessing.Queue "
              f"({', '.join(methods)})")
    else:
        print(f"not fixed: the parent did not receive [1] under: {sorted(set(methods) - set(seen))}")
        sys.exit(1)
