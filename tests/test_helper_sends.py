"""A helper that pickles its parameter for a child process (``ParameterSend``), the import fallback that
must not hide a module, and locks held by every caller except a constructor."""

from __future__ import annotations

import libcst as cst

from pvt_lint.model.summary import ParameterSend
from pvt_lint.engine import build_model
from pvt_lint.model.summary_build import summarize

from helpers import build, sites

HELPERS = """
import multiprocessing

class Tasks:
    def add_task(self, task_func, arg=None):
        multiprocessing.Process(target=self._run, args=(task_func, arg)).start()

    def _run(self, task_func, arg):
        task_func(arg)

def forked(func):
    multiprocessing.get_context("fork").Process(target=func).start()

def pooled(func, items):
    with multiprocessing.Pool() as pool:
        return pool.map(func, items)

def local(func):
    return func()
"""


def sends_of(source: str) -> dict[str, tuple[ParameterSend, ...]]:
    tree = cst.parse_module(source)
    summary = summarize(build_model(tree), "pkg.parallel", False, tree)
    return {fn.qualname: fn.sends for fn in summary.functions if fn.sends}


def test_the_parameters_a_process_dispatch_pickles_are_summarised():
    assert sends_of(HELPERS) == {
        "Tasks.add_task": (ParameterSend(1, "task_func", 6, False), ParameterSend(2, "arg", 6, False)),
        "pooled": (ParameterSend(0, "func", 16, True), ParameterSend(1, "items", 16, True)),
    }


def test_a_fallback_of_none_in_except_importerror_does_not_hide_the_module():
    model = build("""
        try:
            import multiprocessing
        except ImportError:
            multiprocessing = None

        def start(f):
            multiprocessing.Process(target=f).start()
    """)
    assert [(s[0], s[2]) for s in sites(model)] == [(8, "multiprocessing.Process")]


def test_a_helper_every_caller_but_the_constructor_calls_under_a_lock_runs_under_it():
    model = build("""
        import threading

        class Pool:
            def __init__(self):
                self._lock = threading.Lock()
                self.reset()

            def reset(self):
                self.created = 0

            def after_fork(self):
                with self._lock:
                    self.reset()
    """)
    assert model.caller_locks("Pool.reset") == frozenset({"self._lock"})
