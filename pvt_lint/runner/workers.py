"""Analysis on worker processes that pvt-lint manages itself.

Analysis is CPU-bound pure Python, so it runs on processes, not threads. A pool from
``concurrent.futures`` turns one dead worker into a ``BrokenProcessPool`` for every pending file; here each
worker has its own pipe and the parent knows which files it holds, so a worker that dies (a segfault in
libcst's native parser, the OOM killer) loses exactly the file it was analysing: that file is reported as
not analysed, a fresh worker takes its place and the run goes on.

Workers ignore SIGINT: Ctrl-C reaches the parent, which stops and reaps every worker before the
``KeyboardInterrupt`` leaves ``run``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Iterable, Sequence

from ..config import Config
from ..findings import WORKER_DIED, FileResult
from .guarded import analyse_guarded

# Files a worker holds at once. One: a file is only sent to a worker that waits for work. With a second
# file prefetched, a large file (more than the pipe holds) and a large result (a summary) crossed in
# the pipe: the parent blocked sending the file while the worker blocked sending its result, for good.
_IN_FLIGHT = 1


def _worker_main(conn, config: Config, inherited: Sequence) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # A forked child inherits the parent's ends of the other workers' pipes; holding them would keep those
    # workers from seeing end-of-file if the parent died.
    for other in inherited:
        try:
            other.close()
        except OSError:
            pass
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, path, data, options = task
        # The result crosses the pipe pickled, its project fields (summary, imports) with it.
        result = analyse_guarded(data, path, config, **options)
        try:
            conn.send((index, result))
        except (OSError, EOFError):
            return


def _context():
    # fork starts in milliseconds and shares the already imported libcst; it is only safe while this
    # process has no other threads.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, ctx, config: Config, others: Sequence) -> None:
        parent, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, config, others), daemon=True,
                                   name="pvt-lint-worker")
        # A Ctrl-C between fork and the child's SIG_IGN would print the child's traceback: SIGINT stays
        # blocked (pending, for this process) until the child has started.
        blocked = hasattr(signal, "pthread_sigmask")
        if blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.process.start()
        finally:
            if blocked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        child.close()
        self.conn = parent
        self.held: deque[tuple[int, str, bytes, dict]] = deque()  # tasks in the order sent

    def stop(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass


def run(
    tasks: Sequence[tuple[int, str, bytes, dict]],
    config: Config,
    jobs: int,
    on_result: Callable[[int, FileResult], None],
) -> None:
    """Analyse ``tasks`` (index, path, bytes, engine.analyse keyword arguments) on ``jobs`` workers; ``on_result(index, FileResult)``.

    A file whose worker died while analysing it gets a result whose ``failure`` is ``WORKER_DIED``.
    """
    ctx = _context()
    # Largest first: a big module started last would leave the other workers idle at the end.
    pending = deque(sorted(tasks, key=lambda t: (-len(t[2]), t[0])))
    workers: list[_Worker] = []
    try:
        for _ in range(min(jobs, len(pending))):
            workers.append(_Worker(ctx, config, [w.conn for w in workers]))
        for worker in workers:
            _feed(worker, pending)
        while any(w.held for w in workers):
            busy = {w.conn: w for w in workers if w.held}
            sentinels = {w.process.sentinel: w for w in busy.values()}
            handled: set[int] = set()
            for ready in wait([*busy, *sentinels]):
                worker = busy.get(ready) or sentinels[ready]
                if id(worker) in handled:
                    continue
                handled.add(id(worker))
                if _receive(worker, on_result):
                    _feed(worker, pending)
                    continue
                workers.remove(worker)
                pending.extendleft(reversed(_bury(worker, on_result)))
                if pending:
                    replacement = _Worker(ctx, config, [w.conn for w in workers])
                    workers.append(replacement)
                    _feed(replacement, pending)
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in workers:
            worker.process.join(timeout=5)
    finally:
        _stop_all(workers)


def _feed(worker: _Worker, pending: deque) -> None:
    while pending and len(worker.held) < _IN_FLIGHT:
        task = pending.popleft()
        try:
            worker.conn.send(task)
        except OSError:
            pending.appendleft(task)
            return
        worker.held.append(task)


def _receive(worker: _Worker, on_result) -> bool:
    """Take every finished result; False when the worker is gone."""
    try:
        while worker.held and worker.conn.poll():
            index, result = worker.conn.recv()
            expected = worker.held.popleft()[0]
            if index != expected:  # pragma: no cover - a worker answers in the order it was sent work
                raise RuntimeError(f"worker answered file {index}, expected {expected}")
            on_result(index, result)
    except (EOFError, OSError):
        return False
    return worker.process.is_alive()


def _bury(worker: _Worker, on_result) -> list:
    """Report the file a dead worker was analysing; return the ones still queued in its pipe."""
    worker.stop()
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    if code is not None and code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exit status {code}"
    if worker.held:
        index, path, *_ = worker.held.popleft()
        reason = f"not analysed: the analysis process died ({how})"
        on_result(index, FileResult(path, skipped=reason, failure=WORKER_DIED))
    requeue = list(worker.held)
    worker.held.clear()
    return requeue


def _stop_all(workers: Iterable[_Worker]) -> None:
    workers = list(workers)
    for worker in workers:
        worker.stop()
        if worker.process.is_alive():
            try:
                os.kill(worker.process.pid, signal.SIGKILL)
            except (OSError, TypeError):
                pass
    for worker in workers:
        worker.process.join(timeout=5)
