"""PVT101 global-mutated-in-child, buggy: the child appends to a module global, the parent never sees it.

Runs the same code under every start method this platform has (fork, spawn, forkserver).
"""
import multiprocessing
import sys

data = []


def worker():
    data.append(1)  # expect: PVT101
    print(f"  child:  data = {data}", flush=True)


def run_with(method):
    ctx = multiprocessing.get_context(method)
    p = ctx.Process(target=worker)
    p.start()
    p.join(timeout=60)
    if p.exitcode is None:
        p.terminate()
        p.join(timeout=5)
    print(f"  parent: data = {data}  ({method}, child exit code {p.exitcode})", flush=True)
    return p.exitcode == 0 and data == []


if __name__ == "__main__":
    methods = multiprocessing.get_all_start_methods()
    lost = [method for method in methods if run_with(method)]
    if lost == methods:
        print(f"reproduced: parent saw [] after the child appended 1 ({', '.join(methods)})")
    else:
        print(f"not reproduced: the parent saw the change or a child failed (lost under: {lost})")
        sys.exit(1)
