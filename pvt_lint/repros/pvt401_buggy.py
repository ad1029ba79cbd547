"""PVT401 lost-worker-exception, buggy: tasks submitted to pools whose futures are dropped.

Four of the ten records are bad, and the task raises ValueError for each. The exception is kept in
the future, and nobody asks the future for its result: nothing is raised and nothing is printed, in
a thread pool and in a process pool alike, and the program ends as if all the work had been done.
"""
import os
import pathlib
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

RECORDS = range(10)
BAD = [n for n in RECORDS if n % 3 == 0]


def convert(n, folder):
    if n % 3 == 0:
        raise ValueError(f"record {n} is corrupt")
    pathlib.Path(folder, f"{n}.out").write_text(str(n * n))


def run_threads(folder):
    with ThreadPoolExecutor(4) as pool:
        for n in RECORDS:
            pool.submit(convert, n, folder)  # expect: PVT401


def run_processes(folder):
    with ProcessPoolExecutor(2) as pool:
        for n in RECORDS:
            pool.submit(convert, n, folder)  # expect: PVT401


def captured_stderr(work, folder):
    """Run ``work`` with file descriptor 2 (this process's and its children's stderr) sent to a file."""
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            work(folder)
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        sink.seek(0)
        return sink.read().decode(errors="replace")


if __name__ == "__main__":
    lost = []
    for name, work in [("thread pool", run_threads), ("process pool", run_processes)]:
        with tempfile.TemporaryDirectory() as folder:
            printed = captured_stderr(work, folder)
            done = len(list(pathlib.Path(folder).glob("*.out")))
        print(f"  {name}: the run ended normally, {done} of {len(RECORDS)} records written, "
              f"{len(printed.strip().splitlines())} lines on stderr")
        if done == len(RECORDS) - len(BAD) and "ValueError" not in printed:
            lost.append(name)
    if len(lost) == 2:
        print(f"reproduced: in a thread pool and a process pool, {len(BAD)} ValueErrors raised by tasks vanished "
              "without a trace")
    else:
        seen = sorted({"thread pool", "process pool"} - set(lost))
        print(f"not reproduced: the exceptions were seen in {', '.join(seen)}")
        sys.exit(1)
