"""PVT401 lost-worker-exception, fixed: the futures are kept and asked for their results.

``future.result()`` raises the task's exception in the caller, here as each future completes, so every
bad record is reported, from a thread pool and a process pool alike.
"""
import pathlib
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

RECORDS = range(10)
BAD = [n for n in RECORDS if n % 3 == 0]


def convert(n, folder):
    if n % 3 == 0:
        raise ValueError(f"record {n} is corrupt")
    pathlib.Path(folder, f"{n}.out").write_text(str(n * n))


def run(pool, folder):
    errors = []
    with pool:
        futures = [pool.submit(convert, n, folder) for n in RECORDS]
        for future in as_completed(futures):
            try:
                future.result()
            except ValueError as exc:
                errors.append(str(exc))
    return errors


if __name__ == "__main__":
    seen = {}
    for name, pool in [("thread pool", ThreadPoolExecutor(4)), ("process pool", ProcessPoolExecutor(2))]:
        with tempfile.TemporaryDirectory() as folder:
            errors = run(pool, folder)
        print(f"  {name}: {len(errors)} errors reported: {'; '.join(sorted(errors))}")
        seen[name] = len(errors)
    if all(count == len(BAD) for count in seen.values()):
        print(f"fixed: every one of the {len(BAD)} ValueErrors reached the caller, from both pools")
    else:
        print(f"not fixed: errors seen {seen}, expected {len(BAD)} from each pool")
        sys.exit(1)
