"""Module summaries: built from real parses through the engine's ``build_model``, plain data, JSON-stable."""

import textwrap

import libcst as cst
import pytest

from pvt_lint.engine import build_model
from pvt_lint.model.summary import (
    IMPORT_TIME, MAIN, SCHEMA_VERSION, Attribute, Call, Cpu, ModuleSummary, Write,
)
from pvt_lint.model.summary_build import summarize


def summary(source: str, module: str = "pkg.mod", is_package: bool = False, tree: bool = True) -> ModuleSummary:
    parsed = cst.parse_module(textwrap.dedent(source))
    return summarize(build_model(parsed), module, is_package, parsed if tree else None)


def test_the_import_table_resolves_absolute_aliased_and_relative_imports():
    s = summary("""
        import os.path
        import a.b as c
        from x.y import z as w
        from . import sibling
        from .sub import thing as t
        from .. import up
        from ...toolong import nothing
    """, module="pkg.sub.mod")
    assert dict(s.imports) == {
        "os": "os", "c": "a.b", "w": "x.y.z", "sibling": "pkg.sub.sibling", "t": "pkg.sub.sub.thing", "up": "pkg.up",
    }


def test_a_package_resolves_relative_imports_against_itself():
    s = summary("from .a import f\n", module="pkg", is_package=True)
    assert dict(s.imports) == {"f": "pkg.a.f"}


def test_without_the_tree_relative_imports_are_left_out():
    assert dict(summary("from .a import f\nimport b\n", tree=False).imports) == {"b": "b"}


def test_calls_are_qualified_through_imports_aliases_relative_imports_and_local_definitions():
    s = summary("""
        import a.b
        import a.b as c
        from .store import Store
        def helper(): pass
        class K:
            def m(self): pass
        def f():
            a.b.g()
            c.h()
            Store().save()
            s = Store()
            s.load()
            helper()
            K().m()
    """)
    assert [c.target for c in s.function("f").calls] == [
        "a.b.g", "a.b.h", "pkg.store.Store().save", "pkg.store.Store", "pkg.store.Store",
        "pkg.store.Store().load", "pkg.mod.helper", "pkg.mod.K().m", "pkg.mod.K",
    ]


def test_globals_read_and_written_with_kind_location_and_locks():
    s = summary("""
        import threading
        SEEN = set()
        TOTAL = 0
        LOCK = threading.Lock()
        def record(x):
            global TOTAL
            if x in SEEN:
                return
            with LOCK:
                SEEN.add(x)
            TOTAL += 1
    """)
    fn = s.function("record")
    assert fn.reads == ("LOCK", "SEEN")
    assert fn.writes == (
        Write("global", "SEEN", "", "mutate", 11, 8, ("LOCK",), "SEEN"),
        Write("global", "TOTAL", "", "rmw", 12, 4, (), "TOTAL"),
    )
    assert fn.locks == (("LOCK", 10),)
    assert dict(s.globals) == {"SEEN": 3, "TOTAL": 4, "LOCK": 5}


def test_module_level_code_is_split_into_import_time_and_main_guard():
    s = summary("""
        from lib import start_pool
        CONFIG = {}
        start_pool()
        def main():
            CONFIG["k"] = 1
        if __name__ == "__main__":
            CONFIG = load()
            main()
    """)
    assert [c.target for c in s.import_time_calls()] == ["lib.start_pool"]
    assert [c.target for c in s.function(MAIN).calls] == ["pkg.mod.main"]  # load: a bare name, no project call
    assert [(w.name, w.kind, w.line) for w in s.function(IMPORT_TIME).writes] == [("CONFIG", "store", 3)]
    assert [(f, w.name, w.kind, w.line) for f, w in s.runtime_global_writes()] == [
        ("main", "CONFIG", "item-store", 6), (MAIN, "CONFIG", "store", 8),
    ]


def test_dispatches_carry_target_payload_initializer_and_start_method():
    s = summary("""
        import multiprocessing as mp
        import threading
        import functools
        from . import tasks
        from .tasks import work
        def init(v): pass
        def main():
            ctx = mp.get_context("spawn")
            with mp.Pool(4, initializer=init, initargs=(1,)) as pool:
                pool.map(tasks.work, range(9))
            ctx.Process(target=work, args=(1,)).start()
            mp.Process(target=functools.partial(work, 2)).start()
            threading.Thread(target=tasks.fetch).start()
    """)
    rows = [(d.line, d.context, d.role, d.target, d.caller, d.payload, d.initializer, d.start_method) for d in s.dispatches]
    assert rows == [
        (10, "process", "initializer", "pkg.mod.init", "main", True, "", ""),
        (11, "process", "map", "pkg.tasks.work", "main", True, "pkg.mod.init", ""),
        (12, "process", "target", "pkg.tasks.work", "main", True, "", "spawn"),
        (13, "process", "target", "pkg.tasks.work", "main", True, "", ""),
        (14, "thread", "target", "pkg.tasks.fetch", "main", False, "", ""),
    ]
    assert s.function("main").starts == (
        (10, "starts a process pool"), (11, "sends work to a process pool"), (12, "starts a process"),
        (13, "starts a process"),
    )


def test_the_module_start_method_and_values_sent_to_processes():
    s = summary("""
        import multiprocessing
        from .store import Store
        def main():
            s = Store()
            multiprocessing.Process(target=s.save, args=(Store(), 3)).start()
        if __name__ == "__main__":
            multiprocessing.set_start_method("fork")
            main()
    """)
    (d,) = s.dispatches
    assert (d.target, d.sent, d.start_method) == ("pkg.store.Store().save", ("pkg.store.Store()",), "fork")
    assert s.start_method == "fork"


def test_classes_have_resolved_bases_and_attributes_unfit_for_processes():
    s = summary('''
        import threading
        from .base import Base
        class Local: pass
        class Cache(Base, Local):
            """An LRU cache. Instances are thread-safe. Nothing else."""
            def __init__(self):
                def helper(): pass
                self.key = lambda v: v
                self.hook = helper
                self.guard = threading.Lock()
                self.ready = threading.Event()
                self.size = 0
            def get(self):
                with self._mutex:
                    pass
    ''')
    (local, cache) = sorted(s.classes, key=lambda c: c.qualname != "Local")
    assert cache.bases == ("pkg.base.Base", "pkg.mod.Local")
    assert cache.attributes == (
        Attribute("guard", "thread-primitive", "threading.Lock()", 11),
        Attribute("hook", "nested-function", "helper", 10),
        Attribute("key", "lambda", "<lambda>", 9),
        Attribute("ready", "thread-primitive", "threading.Event()", 12),
    )
    assert cache.lock_attributes == ("_mutex", "guard")
    assert cache.thread_safe_doc == "Instances are thread-safe"
    assert local.thread_safe_doc == "" and local.attributes == ()


def test_the_cpu_profile_is_pvt301s():
    s = summary("""
        import time
        def crunch(n):
            t = 0
            for i in range(n):
                t += i * i
            return t
        def wait():
            for i in range(1000):
                time.sleep(1)
    """)
    assert s.function("crunch").cpu == Cpu((5, 4, "for loop"), "crunch", False, ())
    assert s.function("wait").cpu.blockers == (("time.sleep", 10, "blocking"),)


def test_calls_in_loops_are_marked():
    s = summary("""
        from .b import step
        def run(items):
            for item in items:
                step(item)
            step(None)
    """)
    assert s.function("run").calls == (
        Call("pkg.b.step", 5, 8, (), True), Call("pkg.b.step", 6, 4, (), False),
    )


def test_json_round_trip_is_exact_and_versioned():
    s = summary("""
        import multiprocessing, threading
        from .x import y
        class A:
            def __init__(self):
                self.lock = threading.Lock()
        def f():
            for i in range(1000):
                pass
        if __name__ == "__main__":
            multiprocessing.Pool().map(y, [1])
    """)
    text = s.to_json()
    assert ModuleSummary.from_json(text) == s
    assert ModuleSummary.from_json(text).to_json() == text
    assert s.schema == SCHEMA_VERSION
    stale = "[0" + text[len(f"[{SCHEMA_VERSION}"):]
    with pytest.raises(ValueError):
        ModuleSummary.from_json(stale)


def test_the_summary_is_the_same_for_the_same_source():
    source = "import threading\nX = []\ndef f():\n    X.append(1)\nthreading.Thread(target=f).start()\n"
    assert summary(source).to_json() == summary(source).to_json()


def test_well_known_third_party_starters_count_only_with_a_process_configuration():
    s = summary("""
        from torch.utils.data import DataLoader
        from joblib import Parallel, delayed
        def load(ds, n):
            DataLoader(ds, num_workers=4)
            DataLoader(ds)
            DataLoader(ds, num_workers=n)
            Parallel(n_jobs=4)(delayed(f)(x) for x in ds)
            Parallel(n_jobs=4, backend="threading")
            Parallel(n_jobs=4, prefer="threads")
            Parallel(n_jobs=4, backend="multiprocessing")
    """)
    assert s.function("load").starts == (
        (5, "starts worker processes when iterated (num_workers > 0)"),
        (8, "runs its tasks in worker processes (a process backend)"),
        (11, "runs its tasks in worker processes (a process backend)"),
    )


def test_a_method_called_on_self_that_the_module_cannot_find_is_left_for_the_class_hierarchy():
    s = summary("""
        from .base import Worker
        class Fetcher(Worker):
            def run(self):
                self.save()
                self.helper()
            def helper(self):
                pass
    """)
    assert [c.target for c in s.function("Fetcher.run").calls] == ["pkg.mod.Fetcher().save", "pkg.mod.Fetcher.helper"]


def test_attributes_read_through_a_module_alias_are_reads_but_not_the_standard_librarys():
    s = summary("""
        import os
        import pkg.config as config
        import numpy as np
        from . import settings
        def work():
            def inner():
                return settings.INNER
            return config.SCALE * settings.LIMIT + os.sep.count("/") + np.pi
    """)
    # ``settings`` itself is listed too (``from . import settings`` may import an object, not a module)
    assert s.function("work").reads == ("config", "config.SCALE", "settings", "settings.LIMIT")
    assert s.function("work.<locals>.inner").reads == ("settings", "settings.INNER")


@pytest.mark.parametrize("doc, sentence", [
    ("A cache. It is thread-safe.", "It is thread-safe"),
    ("Counters.\n\nSafe to share between threads: every update takes the lock.",
     "Safe to share between threads: every update takes the lock"),
    ("Instances may be used from several threads at once.", "Instances may be used from several threads at once"),
    ("A cache. It is not thread-safe.", ""),
    ("Must never be shared between threads.", ""),
    ("Thread-unsafe: wrap it in a lock. Isn't thread safe either.", ""),
    ("A plain record.", ""),
    # about some methods only, or about an argument: not the class as a whole (coverage, kombu)
    ("Data.\n\nThe methods used while collecting (add_lines) are thread-safe. Other methods may not be.", ""),
    ("A client.\n\n:keyword password: a callable; the callable must be thread-safe.", ""),
    ("A client.\n\nArgs:\n    hook: called from worker threads, so it must be thread-safe.", ""),
    ("A pool. All methods are thread-safe.", "All methods are thread-safe"),
    ("A pool. Its public methods are thread-safe.", "Its public methods are thread-safe"),
])
def test_a_docstring_sentence_that_says_a_class_is_shared_between_threads(doc, sentence):
    s = summary(f'class C:\n    """{doc}"""\n')
    assert s.cls("C").thread_safe_doc == sentence
