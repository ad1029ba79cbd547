"""The API registry (pvt_lint/apis.py): one record per API, and everything else derived from it."""

import ast

import libcst as cst
import pytest

from pvt_lint import apis
from pvt_lint.apis import (
    CONTEXT,
    DILL,
    LOCK,
    LOOP_EXECUTOR,
    ONE_PROCESS,
    POOL,
    PROCESS,
    RUNS_TARGET,
    SENDS_CALLABLE,
    SHARED,
    STARTS,
    THREAD,
)
from pvt_lint.engine import lint_source
from pvt_lint.gate import _dotted as gate_dotted
from pvt_lint.gate import may_find, mentions_concurrency
from pvt_lint.model.syntax import dotted as collector_dotted

from helpers import build

RECORDS = [pytest.param(api, id=api.name) for api in apis.RECORDS]
NAMES = [pytest.param(api, name, id=name) for api in apis.RECORDS for name in api.names]
DISPATCH_ROLES = {RUNS_TARGET, POOL, SENDS_CALLABLE, LOOP_EXECUTOR}
THREAD_DISPATCHERS = [
    pytest.param(api, id=api.name) for api in apis.RECORDS if api.roles & DISPATCH_ROLES and api.context == THREAD
]


def _module_and_attr(name: str) -> tuple[str, str]:
    module, _, attr = name.rpartition(".")
    return module, attr


# ---- PVT301's suggestion comes from the registry -------------------------------------------------------
CRUNCH_ON_A_PATHOS_THREAD_POOL = """\
from pathos.pools import ThreadPool

def crunch(n):
    total = 0
    for i in range(n):
        total += i * i
    return total

def main():
    pool = ThreadPool(4)
    early = pool.amap(crunch, [100_000] * 4)
    print(pool.map(crunch, [100_000] * 4), early.get())
"""


def test_pvt301_suggests_the_pathos_process_pool_for_every_method_of_a_pathos_thread_pool():
    # PVT301 once knew 9 pool methods of the registry's 13: `.amap` fell through to ProcessPoolExecutor.
    findings = [(f.line, f.message) for f in lint_source(CRUNCH_ON_A_PATHOS_THREAD_POOL) if f.code == "PVT301"]
    assert findings == [
        (11, "`crunch` is pure-Python CPU work (the for loop at line 5) sent to threads by "
             "`pathos.pools.ThreadPool.amap`; use `pathos.pools.ProcessPool`"),
        (12, "`crunch` is pure-Python CPU work (the for loop at line 5) sent to threads by "
             "`pathos.pools.ThreadPool.map`; use `pathos.pools.ProcessPool`"),
    ]


# ---- every record is complete ----------------------------------------------------------------------------
@pytest.mark.parametrize("api", THREAD_DISPATCHERS)
def test_every_thread_api_has_a_process_alternative_that_the_registry_knows(api):
    assert api.alternative
    for name in api.alternative:
        other = apis.record_of(name)
        assert other is not None and other.context == PROCESS and other.roles & DISPATCH_ROLES, name


@pytest.mark.parametrize("api", [pytest.param(a, id=a.name) for a in apis.RECORDS if ONE_PROCESS in a.roles])
def test_every_one_process_object_has_a_cross_process_alternative(api):
    (name,) = api.alternative
    other = apis.record_of(name)
    assert other is not None and other.context == PROCESS and SHARED in other.roles
    assert apis.THREAD_PRIMITIVES[api.name] == f"{name}()"


def test_names_are_unique_across_records():
    names = [name for api in apis.RECORDS for name in api.names]
    assert len(names) == len(set(names))


# ---- what the prefilter and the gate look for -------------------------------------------------------------
def _mentions_only(api: apis.Api, name: str) -> str:
    module, attr = _module_and_attr(name)
    if LOOP_EXECUTOR in api.roles:
        return f"async def f(loop):\n    await loop.{attr}(None, g)\n"
    return f"from {module} import {attr}\n{attr}(f)\n"


@pytest.mark.parametrize("api, name", [p for p in NAMES if p.values[0].words])
def test_a_source_that_mentions_only_one_api_passes_the_prefilter(api, name):
    assert mentions_concurrency(_mentions_only(api, name))


def test_the_prefilter_rejects_what_mentions_no_api_and_no_lock():
    # The test above can fail: an object that matters only beside a dispatch API is not looked for.
    assert apis.record_of("queue.Queue").words == ()
    assert not mentions_concurrency("import queue\nq = queue.Queue()\n")


@pytest.mark.parametrize("alias", sorted(apis.MODULE_ALIASES))
def test_a_source_that_imports_an_aliased_package_passes_the_prefilter_and_the_gate(alias):
    source = f"import {alias} as m\nm.Process(target=f).start()\n"
    assert mentions_concurrency(source)
    assert may_find(ast.parse(source))


@pytest.mark.parametrize(
    "api, name",
    [p for p in NAMES if p.values[0].roles & {RUNS_TARGET, POOL, SENDS_CALLABLE, STARTS, LOOP_EXECUTOR}],
)
def test_calling_any_dispatch_or_starting_api_passes_the_gate(api, name):
    assert may_find(ast.parse(_mentions_only(api, name)))


@pytest.mark.parametrize("api, name", [p for p in NAMES if LOCK in p.values[0].roles])
def test_a_with_on_any_lock_type_passes_the_gate(api, name):
    module, attr = _module_and_attr(name)
    assert may_find(ast.parse(f"from {module} import {attr}\nguard = {attr}()\nwith guard:\n    pass\n"))


# ---- the model recognises every record: adding an API is one edit ----------------------------------------
@pytest.mark.parametrize("api, name", [p for p in NAMES if p.values[0].roles & {RUNS_TARGET, POOL, SENDS_CALLABLE}])
def test_the_model_sends_work_through_every_dispatch_api(api, name):
    module, attr = _module_and_attr(name)
    if RUNS_TARGET in api.roles:
        call = f"{attr}({api.target_keyword}=work).start()"
    elif POOL in api.roles:
        call = f"{attr}().submit(work)"
    else:
        call = f"{attr}(work)"
    model = build(f"from {module} import {attr}\ndef work():\n    pass\ndef main():\n    {call}\n")
    assert [(s.context, s.target) for s in model.dispatches] == [(api.context, "work")]


@pytest.mark.parametrize("api", RECORDS)
def test_every_record_is_in_every_table_its_roles_derive(api):
    for name in api.names:
        assert (name in apis.PROCESS_CLASSES) == (RUNS_TARGET in api.roles and api.context == PROCESS)
        assert (name in apis.THREAD_CLASSES) == (RUNS_TARGET in api.roles and api.context == THREAD)
        assert apis.POOL_CONSTRUCTORS.get(name) == (api.context if POOL in api.roles else None)
        assert apis.INITIALIZER_POSITION.get(name) == api.initializer
        assert (name in apis.THREAD_CALLS) == (SENDS_CALLABLE in api.roles)
        assert (f"{name}()" in apis.MULTIPROCESSING_ALIASES) == (CONTEXT in api.roles)
        assert (name in apis.LOCK_TYPES) == (LOCK in api.roles)
        assert (name in apis.THREAD_PRIMITIVES) == (ONE_PROCESS in api.roles)
        assert (name in apis.PROCESS_SHARED_CALLS) == (SHARED in api.roles)
        assert apis.PROCESS_STARTING_CALLS.get(name) == (api.starts if STARTS in api.roles else None)
        assert apis.display(name) == apis.display(api.name)
    for word in api.words:
        assert word in (apis.IMPORT_FREE_NAMES if LOOP_EXECUTOR in api.roles else apis.GATE_MODULES)


MULTIPROCESSING = [pytest.param(a, id=a.name) for a in apis.RECORDS if a.name.startswith("multiprocessing.")]


@pytest.mark.parametrize("api", MULTIPROCESSING)
def test_every_multiprocessing_api_has_a_multiprocess_twin_that_pickles_with_dill(api):
    twin = apis.record_of("multiprocess" + api.name[len("multiprocessing"):])
    assert twin is not None
    assert (twin.roles, twin.context, twin.initializer) == (api.roles, api.context, api.initializer)
    assert twin.pickler == (DILL if api.pickler else None)
    assert twin.alternative == tuple(name.replace("multiprocessing", "multiprocess", 1) for name in api.alternative)


# ---- one spelling of names ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("billiard.Pool", "multiprocessing.Pool"),
        ("billiard", "multiprocessing"),
        ("pathos.helpers.mp.Process", "multiprocess.Process"),
        ("multiprocessing.get_context().Process", "multiprocessing.Process"),
        ("multiprocess.context.SpawnContext().Pool", "multiprocess.Pool"),
        ("multiprocessing.get_contexts().Process", "multiprocessing.get_contexts().Process"),
        ("billiards.Pool", "billiards.Pool"),
        ("threading.Thread", "threading.Thread"),
    ],
)
def test_normalize_reads_contexts_and_aliased_packages_as_their_module(text, expected):
    assert apis.normalize(text) == expected


@pytest.mark.parametrize(
    "source, expected",
    [
        ("a", "a"),
        ("a.b.c", "a.b.c"),
        ("a.b(x).c", "a.b().c"),
        ("f()()", "f()()"),
        ("a[0].b", None),
        ("(a + b).c", None),
        ("'s'.join", None),
    ],
)
def test_the_collector_and_the_gate_spell_a_name_the_same_way(source, expected):
    assert collector_dotted(cst.parse_expression(source)) == expected
    assert gate_dotted(ast.parse(source, mode="eval").body) == expected


@pytest.mark.parametrize(
    "api, shown",
    [
        ("concurrent.futures.thread.ThreadPoolExecutor.map", "concurrent.futures.ThreadPoolExecutor.map"),
        ("multiprocessing.context.SpawnProcess", "multiprocessing.Process"),
        ("pathos.threading.ThreadPool.amap", "pathos.pools.ThreadPool.amap"),
        ("loop.run_in_executor", "loop.run_in_executor"),
        ("Worker", "Worker"),
        ("threading.Thread.map", "threading.Thread.map"),
    ],
)
def test_display_names_an_api_by_its_record(api, shown):
    assert apis.display(api) == shown
