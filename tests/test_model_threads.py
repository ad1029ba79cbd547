"""The model facts the thread rules read: lock regions at writes, thread dispatch sites, which
``self`` a thread shares, thread-local state and check-then-acts. Every assertion is an exact set."""

from pvt_lint.model import RMW, SELF, THREAD, ModuleModel

from helpers import build


def locks_by_line(model: ModuleModel) -> dict[int, frozenset[str]]:
    """Line of each write -> the locks the thread rules see held there."""
    return {a.line: model.threads.locks(a) for a in model.writes()}


def thread_sites(model: ModuleModel) -> set[tuple[int, str, str, str]]:
    return {(s.line, s.api, s.role, s.target) for s in model.dispatches if s.context == THREAD}


# ---- lock regions ---------------------------------------------------------------------------
def test_nested_with_holds_both_locks_and_ends_with_the_block():
    model = build(
        """
        import threading
        a = threading.Lock()
        b_lock = threading.RLock()
        n = {}
        def f():
            with a:
                n["x"] += 1
                with b_lock:
                    n["y"] += 1
                n["z"] += 1
            n["w"] += 1
        """
    )
    assert locks_by_line(model) == {
        8: frozenset({"a"}),
        10: frozenset({"a", "b_lock"}),
        11: frozenset({"a"}),
        12: frozenset(),
    }


def test_acquire_release_in_try_finally():
    model = build(
        """
        import threading
        class C:
            def __init__(self):
                self._guard = threading.Lock()
            def f(self):
                self._guard.acquire()
                try:
                    self.n += 1
                finally:
                    self._guard.release()
                self.m += 1
        """
    )
    assert locks_by_line(model) == {5: frozenset(), 9: frozenset({"self._guard"}), 12: frozenset()}


def test_release_without_acquire_holds_the_lock_from_entry_up_to_the_release():
    # A lock wrapper (tqdm's _InterpreterLock): acquire() takes the lock and returns, release()
    # runs with it held until it lets go. A release after an acquire in the same function, and a
    # release of something that is not a lock, change nothing; nor does a semaphore's release, a
    # signal to other threads (distributed's ConnectionPool releases slots it never acquired).
    model = build(
        """
        import threading
        class Wrapper:
            def __init__(self):
                self._lock = threading.RLock()
                self.depth = 0
            def acquire(self):
                self._lock.acquire()
                self.depth += 1
            def release(self):
                self.depth -= 1
                self._lock.release()
                self.after = self.after + 1
            def paired(self):
                self._lock.acquire()
                self._lock.release()
                self.count += 1
            def other(self, pool):
                self.calls += 1
                pool.release()
            def signal(self):
                self.items += 1
                self.semaphore.release()
        """
    )
    assert locks_by_line(model) == {
        5: frozenset(),
        6: frozenset(),
        9: frozenset({"self._lock"}),
        11: frozenset({"self._lock"}),
        13: frozenset(),
        17: frozenset(),
        19: frozenset(),
        22: frozenset(),
    }


def test_early_return_inside_a_lock_keeps_the_rest_of_the_block_locked():
    model = build(
        """
        import threading
        lock = threading.Lock()
        free = 4
        def take():
            global free
            with lock:
                if free == 0:
                    return False
                free -= 1
            return True
        """
    )
    assert locks_by_line(model) == {10: frozenset({"lock"})}
    assert [(i.line, i.locks) for i in model.ifs] == [(8, frozenset({"lock"}))]


def test_lock_held_by_every_caller():
    model = build(
        """
        import threading
        lock = threading.Lock()
        d = {}
        def helper():
            d["n"] = d.get("n", 0) + 1
        def one():
            with lock:
                helper()
        def two():
            with lock:
                helper()
        """
    )
    assert locks_by_line(model) == {6: frozenset({"lock"})}
    # One unlocked call is enough to lose the caller's lock.
    model = build(
        """
        import threading
        lock = threading.Lock()
        d = {}
        def helper():
            d["n"] = d.get("n", 0) + 1
        def one():
            with lock:
                helper()
        def two():
            helper()
        """
    )
    assert locks_by_line(model) == {6: frozenset()}


def test_acquire_on_something_that_is_not_a_lock_does_not_count():
    model = build(
        """
        class Sem:
            def release(self):
                self.acquire()
                self.value += 1
        """
    )
    assert locks_by_line(model) == {5: frozenset()}


def test_with_on_a_non_lock_is_not_a_lock_region():
    model = build(
        """
        n = {}
        def f(path):
            with open(path) as fh:
                n["k"] += 1
        """
    )
    assert locks_by_line(model) == {5: frozenset()}


# ---- thread dispatch APIs -------------------------------------------------------------------
DISPATCH = """
import _thread
import asyncio
import multiprocessing.dummy
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.dummy import Pool as DummyPool
from multiprocessing.pool import ThreadPool

def f(*args):
    pass

class Crawler:
    def __init__(self):
        self.pool = ThreadPoolExecutor(4)
    def work(self):
        pass
    def start(self):
        threading.Thread(target=self.work).start()
        self.pool.submit(self.work)

class Worker(threading.Thread):
    def run(self):
        pass

threading.Thread(None, f)
threading.Timer(1.0, f)
Worker().start()
with ThreadPoolExecutor() as ex:
    ex.submit(f)
    ex.map(f, [1])
executor = ThreadPoolExecutor()
executor.submit(f)
ThreadPool(2).map(f, [1])
dummy = DummyPool(2)
dummy.apply_async(f)
multiprocessing.dummy.Pool().imap(f, [1])
_thread.start_new_thread(f, ())

async def main():
    await asyncio.to_thread(f)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, f)
"""


def test_every_thread_dispatch_api():
    model = build(DISPATCH)
    assert thread_sites(model) == {
        (19, "threading.Thread", "target", "Crawler.work"),
        (20, "concurrent.futures.ThreadPoolExecutor.submit", "submit", "Crawler.work"),
        (26, "threading.Thread", "target", "f"),
        (27, "threading.Timer", "target", "f"),
        (28, "Worker", "run", "Worker.run"),
        (30, "concurrent.futures.ThreadPoolExecutor.submit", "submit", "f"),
        (31, "concurrent.futures.ThreadPoolExecutor.map", "map", "f"),
        (33, "concurrent.futures.ThreadPoolExecutor.submit", "submit", "f"),
        (34, "multiprocessing.pool.ThreadPool.map", "map", "f"),
        (36, "multiprocessing.dummy.Pool.apply_async", "submit", "f"),
        (37, "multiprocessing.dummy.Pool.imap", "map", "f"),
        (38, "_thread.start_new_thread", "call", "f"),
        (41, "asyncio.to_thread", "call", "f"),
        (43, "loop.run_in_executor", "submit", "f"),
    }
    assert not [s for s in model.dispatches if s.context != THREAD]


def test_threads_started_in_a_comprehension_are_concurrent():
    model = build(
        """
        import threading
        def f():
            pass
        def g():
            pass
        threads = [threading.Thread(target=f) for _ in range(4)]
        threading.Thread(target=g).start()
        """
    )
    assert {(s.target, s.in_loop, s.concurrent) for s in model.dispatches} == {("f", True, True), ("g", False, False)}


def test_self_is_shared_through_bound_methods_and_private_for_objects_the_thread_creates():
    model = build(
        """
        import threading
        class Tally:
            def add(self):
                self.n += 1
        shared = Tally()
        class Crawler:
            def work(self):
                self.helper()
                Tally().add()
                shared.add()
            def helper(self):
                pass
        def plain():
            t = Tally()
            t.add()
        c = Crawler()
        threading.Thread(target=c.work).start()
        threading.Thread(target=plain).start()
        """
    )
    runs = model.threads.runs
    assert {q: sorted((s.line, shared) for s, shared in entry.values()) for q, entry in runs.items()} == {
        "Crawler.work": [(18, True)],
        "Crawler.helper": [(18, True)],
        "Tally.add": [(18, True), (19, False)],
        "plain": [(19, False)],
    }
    (write,) = [a for a in model.writes() if a.kind == RMW]
    assert write.ref.kind == SELF
    assert [s.line for s in model.threads.sites_for(write, write.ref)] == [18]


def test_thread_local_state_is_not_shared():
    model = build(
        """
        import threading
        local = threading.local()
        class Ctx(threading.local):
            pass
        ctx = Ctx()
        plain = {}
        class Conn:
            def __init__(self):
                self._tls = threading.local()
            def f(self):
                self._tls.n += 1
                self.count += 1
        def f():
            local.n += 1
            ctx.n += 1
            plain["n"] += 1
        """
    )
    shared = sorted((a.line, model.threads.is_shared(a.ref)) for a in model.writes() if a.kind == RMW)
    assert shared == [(12, False), (13, True), (15, False), (16, False), (17, True)]


def test_check_then_acts():
    model = build(
        """
        cache, jobs, enabled = {}, [], True
        _instance = None
        def f(k):
            global _instance
            if k not in cache:
                cache[k] = 1
            if jobs:
                jobs.pop()
            if _instance is None:
                _instance = object()
            if enabled:
                cache[k] = 2
            if k in cache:
                cache.setdefault(k, 3)
        """
    )
    found = {(c.test.line, c.ref.name, tuple(a.line for a in c.acts)) for c in model.threads.ctas.check_then_acts}
    assert found == {(6, "cache", (7,)), (8, "jobs", (9,)), (10, "_instance", (11,))}


def test_parties_and_races():
    model = build(
        """
        import threading
        n = 0
        def a():
            global n
            n += 1
        def b():
            global n
            n += 1
        def solo():
            global n
            n += 1
        threading.Thread(target=a).start()
        threading.Thread(target=b).start()
        """
    )
    threads = model.threads
    by_line = {w.line: w for w in model.writes()}
    assert [p.line for p in threads.parties(by_line[6])] == [13]
    assert [p.line for p in threads.parties(by_line[9])] == [14]
    assert threads.parties(by_line[12]) == ["main"]  # called by nobody here: whoever imports it
    assert threads.races(threads.parties(by_line[6]), by_line[6].ref) is False
    assert threads.races(threads.parties(by_line[6]) + threads.parties(by_line[9]), by_line[6].ref) is True


def test_two_sites_starting_a_thread_subclass_are_one_party_for_its_self_state():
    model = build(
        """
        import threading
        total = 0
        class Server(threading.Thread):
            def run(self):
                global total
                self.buffer = self.buffer + b"x"
                total += 1
            def stop(self):
                self.buffer = self.buffer[1:]
        Server().start()
        s = Server()
        s.start()
        """
    )
    threads = model.threads
    by_line = {w.line: w for w in model.writes()}
    own, shared, other = by_line[7], by_line[8], by_line[10]
    assert sorted(p.line for p in threads.parties(own)) == [11, 12]
    # Thread.start() runs once per object: the two sites start two objects, each with its own self.
    assert threads.races(threads.parties(own), own.ref) is False
    # A module global is one variable for both threads.
    assert threads.races(threads.parties(shared), shared.ref) is True
    # Another method of the running object is called by its owner: that is a second party.
    assert threads.parties(other) == ["main"]
    assert threads.races(threads.parties(own) + threads.parties(other), own.ref) is True


def test_dispatch_sites_know_the_variables_of_the_loops_around_them():
    model = build("""\
import threading
def work(i):
    pass
def main(rows):
    for i, (a, b) in enumerate(rows):
        threading.Thread(target=work, args=(i,)).start()
    [threading.Thread(target=work, args=(j,)) for j in range(3) for k in range(2)]
    threading.Thread(target=work, args=(0,))
""")
    assert sorted((s.line, sorted(s.loop_names)) for s in model.dispatches) == [
        (6, ["a", "b", "i"]),
        (7, ["j", "k"]),
        (8, []),
    ]


def test_a_method_whose_decorator_wraps_it_in_the_instances_lock_runs_under_that_lock():
    model = build(
        """
        import functools
        import threading

        def _locked(method):
            @functools.wraps(method)
            def _wrapped(self, *args, **kwargs):
                with self._lock:
                    return method(self, *args, **kwargs)
            return _wrapped

        def _logged(method):
            def _wrapped(self, *args):
                with open("log") as log:
                    return method(self, *args)
            return _wrapped

        class Data:
            def __init__(self):
                self._lock = threading.RLock()
                self.count = 0

            @_locked
            def add(self, n):
                self.count += n

            @_logged
            def reset(self):
                self.count = 0
        """
    )
    assert model.locks.decorator_locks("Data.add") == frozenset({"self._lock"})
    assert model.locks.decorator_locks("Data.reset") == frozenset()  # its wrapper takes no lock of self
    add = next(a for a in model.functions["Data.add"].accesses if a.kind == RMW)
    assert model.effective_locks(add) == frozenset({"self._lock"})
