"""The process side of the model: which callables are sent to child processes, how, and from where."""

import libcst as cst
import pytest

from pvt_lint.model import PROCESS, THREAD

from helpers import build


def facts(source):
    """(line, context, api, role, form, target, concurrent) of every dispatch site, in source order."""
    model = build(source)
    return sorted((s.line, s.context, s.api, s.role, s.form, s.target, s.concurrent) for s in model.dispatches)


PREAMBLE = """\
import functools
import multiprocessing
import multiprocessing as mp
from multiprocessing import Pool, Process as P, get_context
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
def work(x=0):
    return x
def init():
    pass
"""


def at(body: str) -> str:
    """A body placed after PREAMBLE (9 lines), so its first line is line 10."""
    return PREAMBLE + body


def test_process_target_by_keyword_positional_and_alias():
    assert facts(at("""\
multiprocessing.Process(target=work)
mp.Process(None, work)
P(target=work, args=(1,))
""")) == [
        (10, PROCESS, "multiprocessing.Process", "target", "function", "work", True),
        (11, PROCESS, "multiprocessing.Process", "target", "function", "work", True),
        (12, PROCESS, "multiprocessing.Process", "target", "function", "work", True),
    ]


def test_a_single_process_is_not_concurrent_with_itself():
    assert facts(at("P(target=work).start()\n")) == [
        (10, PROCESS, "multiprocessing.Process", "target", "function", "work", False),
    ]


def test_contexts_resolve_to_multiprocessing():
    assert facts(at("""\
multiprocessing.get_context("spawn").Process(target=work)
ctx = get_context("forkserver")
ctx.Pool(2).map(work, [1])
""")) == [
        # `work` is sent from two sites, so the Process copy may run alongside the pool's.
        (10, PROCESS, "multiprocessing.Process", "target", "function", "work", True),
        (12, PROCESS, "multiprocessing.Pool.map", "map", "function", "work", True),
    ]


@pytest.mark.parametrize(
    ("method", "role"),
    [
        ("map", "map"), ("imap", "map"), ("imap_unordered", "map"), ("starmap", "map"),
        ("map_async", "map"), ("starmap_async", "map"), ("apply", "submit"), ("apply_async", "submit"),
    ],
)
def test_every_pool_method_that_takes_a_callable(method, role):
    assert facts(at(f"with Pool() as pool:\n    pool.{method}(work, [1])\n")) == [
        (11, PROCESS, f"multiprocessing.Pool.{method}", role, "function", "work", True),
    ]


def test_pool_initializer_by_keyword_and_by_position():
    assert facts(at("""\
Pool(2, initializer=init)
mp.Pool(2, init)
ProcessPoolExecutor(2, None, init)
""")) == [
        (10, PROCESS, "multiprocessing.Pool", "initializer", "function", "init", True),
        (11, PROCESS, "multiprocessing.Pool", "initializer", "function", "init", True),
        (12, PROCESS, "concurrent.futures.ProcessPoolExecutor", "initializer", "function", "init", True),
    ]


def test_executor_bound_by_with_by_assignment_and_on_self():
    assert facts(at("""\
def by_with():
    with ProcessPoolExecutor() as ex:
        ex.submit(work, 1)
def by_assignment():
    ex = ProcessPoolExecutor(max_workers=2)
    return list(ex.map(work, [1, 2]))
class Runner:
    def __init__(self):
        self.ex = ProcessPoolExecutor()
    def run(self):
        return self.ex.submit(work)
""")) == [
        (12, PROCESS, "concurrent.futures.ProcessPoolExecutor.submit", "submit", "function", "work", True),
        (15, PROCESS, "concurrent.futures.ProcessPoolExecutor.map", "map", "function", "work", True),
        (20, PROCESS, "concurrent.futures.ProcessPoolExecutor.submit", "submit", "function", "work", True),
    ]


def test_callable_forms_partial_lambda_nested_lambda_name():
    assert facts(at("""\
double = lambda x: 2 * x
def main():
    def inner():
        pass
    with Pool() as pool:
        pool.map(functools.partial(work, 1), [1])
        pool.map(lambda x: x, [1])
        pool.apply(double)
    P(target=inner).start()
""")) == [
        (15, PROCESS, "multiprocessing.Pool.map", "map", "partial", "work", True),
        (16, PROCESS, "multiprocessing.Pool.map", "map", "lambda", "main.<locals>.<lambda>@16:17", True),
        (17, PROCESS, "multiprocessing.Pool.apply", "submit", "lambda-name", "<lambda>@10:9", True),
        (18, PROCESS, "multiprocessing.Process", "target", "nested", "main.<locals>.inner", False),
    ]


def test_process_subclass_run():
    assert facts(at("""\
class Worker(mp.Process):
    def run(self):
        work()
Worker().start()
""")) == [(13, PROCESS, "Worker", "run", "method", "Worker.run", False)]


def test_thread_pools_and_dummy_pools_are_threads():
    assert facts(at("""\
import multiprocessing.dummy
from multiprocessing.pool import ThreadPool
ThreadPool(2).map(work, [1])
multiprocessing.dummy.Pool().map(work, [1])
with ThreadPoolExecutor() as ex:
    ex.submit(work)
""")) == [
        (12, THREAD, "multiprocessing.pool.ThreadPool.map", "map", "function", "work", True),
        (13, THREAD, "multiprocessing.dummy.Pool.map", "map", "function", "work", True),
        (15, THREAD, "concurrent.futures.ThreadPoolExecutor.submit", "submit", "function", "work", True),
    ]


# ---- the facts the process rules read --------------------------------------------------------
def test_child_run_follows_calls_and_leaves_out_initializers_unless_asked():
    model = build(at("""\
def helper():
    pass
def task(x):
    helper()
def setup():
    helper()
Pool(2, initializer=setup).map(task, [1])
"""))
    assert {q: [s.line for s in sites] for q, sites in model.child_run().items()} == {
        "task": [16], "helper": [16],
    }
    assert set(model.child_run(initializers=True)) == {"task", "helper", "setup"}


def test_readers_are_value_reads_not_bindings_or_writes_through_the_name():
    model = build("""\
results = []
count = 0
def child():
    global count
    results.append(1)
    count += 1
def parent():
    return len(results)
class Box:
    results = 3
    def results(self):
        return self.results
""")
    assert model.readers("results") == ["parent"]
    assert model.readers("count") == []
    assert model.within("parent", {"parent"}) and not model.within("child", {"parent"})


def test_tests_name_sees_lazy_init_checks():
    model = build("""\
_conn = None
def get():
    global _conn
    if _conn is None:
        _conn = object()
    return _conn
""")
    assert model.tests_name("get", "_conn")
    assert not model.tests_name(None, "_conn")


def test_value_at_respects_parameters_that_hide_module_values():
    model = build("""\
import threading
import queue as q
lock = threading.Lock()
def uses_global():
    return lock
def uses_param(lock):
    return lock
def local():
    items = q.Queue()
    return items
""")
    name = cst.Name("lock")
    assert model.value_at(name, model.scope_of("uses_global")) == "threading.Lock()"
    assert model.value_at(name, model.scope_of("uses_param")) is None
    assert model.value_at(cst.Name("items"), model.scope_of("local")) == "queue.Queue()"
    assert model.value_at(cst.parse_expression("threading.RLock()"), ()) == "threading.RLock()"


def test_start_method_named_by_the_context():
    model = build(at("""\
get_context("fork").Process(target=work)
ctx = mp.get_context("spawn")
ctx.Process(target=work)
mp.Process(target=work)
"""))
    assert [(s.line, model.start_method(s)) for s in model.dispatches] == [(10, "fork"), (12, "spawn"), (13, None)]


def test_process_starts_and_import_time():
    model = build(at("""\
p = P(target=work)
p.start()
pool = Pool(2)
manager = mp.Manager()
mp.set_start_method("spawn")
with ProcessPoolExecutor() as ex:
    ex.submit(work)
def later():
    q = mp.get_context("spawn").Process(target=work)
    q.start()
if __name__ == "__main__":
    later()
"""))
    starts = [(c.line, what, model.import_time(c)) for c, what in model.process_starts()]
    assert starts == [
        (11, "starts a process", True),
        (12, "starts a process pool", True),
        (13, "starts a manager server process", True),
        (14, "sets the start method", True),
        (16, "sends work to a process pool", True),
        (19, "starts a process", False),
    ]
    guarded = [c for c in model.calls if c.line == 21]
    assert [model.import_time(c) for c in guarded] == [False]


def test_never_started_only_when_bound_and_never_started_or_handed_on():
    model = build(at("""\
def built_only():
    proc = P(target=work)
    assert proc
def started():
    proc = P(target=work)
    proc.start()
def in_a_list():
    procs = [P(target=work)]
    for p in procs:
        p.start()
def start_it(p):
    p.start()
def handed_to_a_starter():
    proc = P(target=work)
    start_it(proc)
def returned():
    proc = P(target=work)
    return proc
def stored(procs):
    proc = P(target=work)
    procs.append(proc)
"""))
    assert [(s.caller, model.never_started(s)) for s in model.dispatches] == [
        ("built_only", True), ("started", False), ("in_a_list", False), ("handed_to_a_starter", False),
        ("returned", False), ("stored", False),
    ]


def test_a_name_rebound_to_another_pool_is_that_pool_from_its_binding_on():
    # One name, two pools in turn: each map goes where the pool bound last before it sends work.
    assert facts(at("""\
def main(items):
    with ThreadPoolExecutor() as pool:
        pool.map(work, items)
    with ProcessPoolExecutor() as pool:
        pool.map(work, items)
    pool = ThreadPoolExecutor()
    pool.submit(work)
""")) == [
        (12, THREAD, "concurrent.futures.ThreadPoolExecutor.map", "map", "function", "work", True),
        (14, PROCESS, "concurrent.futures.ProcessPoolExecutor.map", "map", "function", "work", True),
        (16, THREAD, "concurrent.futures.ThreadPoolExecutor.submit", "submit", "function", "work", True),
    ]


def test_multiprocess_the_dill_fork_is_the_same_api_under_its_own_name():
    assert facts("""\
import multiprocess
from multiprocess import Pool
from multiprocess.dummy import Pool as ThreadPool
def work(x=0):
    return x
multiprocess.Process(target=work)
multiprocess.get_context("spawn").Pool(2).map(work, [1])
Pool(2).apply_async(work)
ThreadPool(2).map(work, [1])
""") == [
        (6, PROCESS, "multiprocess.Process", "target", "function", "work", True),
        (7, PROCESS, "multiprocess.Pool.map", "map", "function", "work", True),
        (8, PROCESS, "multiprocess.Pool.apply_async", "submit", "function", "work", True),
        (9, THREAD, "multiprocess.dummy.Pool.map", "map", "function", "work", True),
    ]


def test_pathos_pools_and_its_multiprocess_alias():
    assert facts("""\
from pathos.helpers import mp
from pathos.pools import ProcessPool, ThreadPool
from pathos.multiprocessing import ProcessingPool
def work(x=0):
    return x
ProcessPool(nodes=2).amap(work, [1])
ProcessingPool().apipe(work, 1)
ThreadPool(nodes=2).uimap(work, [1])
mp.Process(target=work)
""") == [
        (6, PROCESS, "pathos.pools.ProcessPool.amap", "map", "function", "work", True),
        (7, PROCESS, "pathos.multiprocessing.ProcessingPool.apipe", "submit", "function", "work", True),
        (8, THREAD, "pathos.pools.ThreadPool.uimap", "map", "function", "work", True),
        (9, PROCESS, "multiprocess.Process", "target", "function", "work", True),
    ]
