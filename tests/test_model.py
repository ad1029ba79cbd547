"""The shared model, unit-tested directly: imports, state references, closures, locks, guards.

Process and thread dispatch APIs are covered API by API in test_model_process.py and
test_model_threads.py.
"""

from helpers import build, refs, sites


def test_import_aliases_resolve_to_qualified_names():
    model = build(
        """
        import multiprocessing as mp
        import concurrent.futures
        from concurrent.futures import ProcessPoolExecutor as PPE
        from multiprocessing import pool
        import threading, queue as q
        """
    )
    assert model.imports == {
        "mp": "multiprocessing",
        "concurrent": "concurrent",
        "PPE": "concurrent.futures.ProcessPoolExecutor",
        "pool": "multiprocessing.pool",
        "threading": "threading",
        "q": "queue",
    }


def test_contexts_resolve_like_the_multiprocessing_module():
    model = build(
        """
        import multiprocessing
        ctx = multiprocessing.get_context("spawn")
        def f(): pass
        ctx.Process(target=f)
        multiprocessing.get_context("forkserver").Process(target=f)
        """  # two sites start the same target: copies may overlap
    )
    assert sites(model) == [
        (5, "process", "multiprocessing.Process", "target", "function", "f", True),
        (6, "process", "multiprocessing.Process", "target", "function", "f", True),
    ]


def test_state_kinds_global_free_self_class_and_local():
    model = build(
        """
        counts = {}
        total = 0
        class Stats:
            hits = 0
            def bump(self, key):
                counts[key] = 1
                self.n += 1
                Stats.hits += 1
                local = []
                local.append(1)
        def outer():
            seen = []
            def inner():
                nonlocal_list = seen
                seen.append(1)
            return inner
        def rebind():
            global total
            total = total + 1
        def shadow():
            total = 5
            counts = {}
            counts["a"] = 1
        """
    )
    assert refs(model, "Stats.bump") == [
        (7, "item-store", "global", "counts", "", True, ()),
        (8, "rmw", "self", "n", "Stats", False, ()),
        (9, "rmw", "class", "hits", "Stats", False, ()),
        (10, "store", "local", "local", "", False, ()),
        (11, "mutate", "local", "local", "", True, ()),
    ]
    assert refs(model, "outer.<locals>.inner") == [
        (15, "store", "local", "nonlocal_list", "", False, ()),
        (16, "mutate", "free", "seen", "outer", True, ()),
    ]
    assert refs(model, "rebind") == [(20, "rmw", "global", "total", "", False, ())]
    assert refs(model, "shadow") == [
        (22, "store", "local", "total", "", False, ()),
        (23, "store", "local", "counts", "", False, ()),
        (24, "item-store", "local", "counts", "", True, ()),
    ]


def test_read_modify_write_forms():
    model = build(
        """
        d = {}
        n = 0
        lst = []
        def f(k, i, j):
            global n
            d[k] = d.get(k, 0) + 1
            d[k] = d[k] + 1
            n = n + 1
            lst[i] = lst[j]
            d[k] = 1
            n = 2
        """
    )
    assert [(line, kind) for line, kind, *_ in refs(model, "f")] == [
        (7, "rmw"), (8, "rmw"), (9, "rmw"), (10, "rmw"), (11, "item-store"), (12, "store"),
    ]


def test_call_closure_follows_functions_and_methods_of_the_module():
    model = build(
        """
        import os
        def a(): b(); os.getpid()
        def b(): c()
        def c(): pass
        def unrelated(): pass
        class K:
            def run(self): self.step()
            def step(self): helper()
        def helper(): pass
        """
    )
    assert model.closure("a") == {"a", "b", "c"}
    assert model.closure("K.run") == {"K.run", "K.step", "helper"}
    assert model.closure("unrelated") == {"unrelated"}


def test_lock_regions_with_and_acquire_release():
    model = build(
        """
        import threading
        lock = threading.Lock()
        guard = threading.RLock()
        n = 0
        def f():
            global n
            with lock:
                n += 1
            n += 1
            guard.acquire()
            try:
                n += 1
            finally:
                guard.release()
            n += 1
        """
    )
    assert [(line, locks) for line, *_, locks in refs(model, "f")] == [
        (9, ("lock",)), (10, ()), (13, ("guard",)), (16, ()),
    ]


def test_a_helper_called_only_under_a_lock_runs_under_it():
    model = build(
        """
        import threading
        n = 0
        class C:
            def __init__(self):
                self._lock = threading.Lock()
            def a(self):
                with self._lock:
                    self._bump()
            def b(self):
                with self._lock:
                    self._bump()
            def _bump(self):
                self.n += 1
            def free(self):
                self._other()
            def _other(self):
                self.m += 1
        """
    )
    assert refs(model, "C._bump") == [(14, "rmw", "self", "n", "C", False, ("self._lock",))]
    assert refs(model, "C._other") == [(18, "rmw", "self", "m", "C", False, ())]


def test_main_guard_ranges():
    model = build(
        """
        import multiprocessing
        x = 1
        if __name__ == "__main__":
            y = 2
            z = 3
        """
    )
    assert model.main_guards == [(5, 6)]
    assert model.in_main_guard(5) and not model.in_main_guard(3)


def test_thread_and_process_subclasses_dispatch_run():
    model = build(
        """
        import threading, multiprocessing
        class T(threading.Thread):
            def run(self): pass
        class P(multiprocessing.Process):
            def run(self): pass
        class Sub(T): pass
        T().start()
        P().start()
        Sub().start()
        """
    )
    assert sites(model) == [
        (8, "thread", "T", "run", "method", "T.run", True),
        (9, "process", "P", "run", "method", "P.run", False),
        (10, "thread", "Sub", "run", "method", "T.run", True),
    ]
