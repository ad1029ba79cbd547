"""PVT204, PVT205 and PVT302 beyond their teaching cases: the registry's tables they read, and the
guards and shapes that decide a finding, each asserted by the exact set of (line, code) found."""

import textwrap

import pytest

from pvt_lint import apis
from pvt_lint.engine import lint_source


def found(source: str, code: str) -> set[int]:
    return {f.line for f in lint_source(textwrap.dedent(source)) if f.code == code}


def test_the_registry_keeps_cached_pools_out_of_the_fresh_ones():
    assert "concurrent.futures.ProcessPoolExecutor" in apis.FRESH_PROCESS_POOLS
    assert "multiprocess.Pool" in apis.FRESH_PROCESS_POOLS
    assert "loky.get_reusable_executor" not in apis.FRESH_PROCESS_POOLS
    assert "pathos.pools.ProcessPool" not in apis.FRESH_PROCESS_POOLS
    assert not apis.FRESH_PROCESS_POOLS & set(apis.POOL_CONSTRUCTORS) - {
        name for name, context in apis.POOL_CONSTRUCTORS.items() if context == apis.PROCESS
    }


def test_signal_and_exit_records_change_neither_the_prefilter_nor_the_gate():
    for name in ("signal.signal", "sys.exit", "exit", "SystemExit", "os._exit"):
        assert apis.record_of(name).words == ()
    assert "signal" not in apis.PREFILTER_WORDS and "sys" not in apis.GATE_MODULES


@pytest.mark.parametrize(
    "handler, flagged",
    [
        ("except SystemExit:", set()),
        ("except (KeyError, SystemExit):", set()),
        ("except BaseException:", set()),
        ("except:", set()),
        ("except Exception:", {6}),
        ("except builtins.SystemExit:", set()),
    ],
)
def test_pvt205_a_try_in_the_thread_keeps_the_exit_only_if_a_handler_catches_system_exit(handler, flagged):
    source = f"""
        import builtins, sys, threading
        def work(n):
            try:
                if n:
                    sys.exit(n)
            {handler}
                pass
        threading.Thread(target=work, args=(1,)).start()
    """
    assert found(source, "PVT205") == flagged


def test_pvt205_a_try_around_the_call_of_a_helper_protects_the_helper_only_on_that_path():
    source = """
        import sys, threading
        def fatal():
            sys.exit(1)
        def guarded():
            try:
                fatal()
            except SystemExit:
                pass
        def unguarded():
            fatal()
        threading.Thread(target=guarded).start()
    """
    assert found(source, "PVT205") == set()
    both = textwrap.dedent(source) + "threading.Thread(target=unguarded).start()\n"
    assert found(both, "PVT205") == {4}


def test_pvt205_an_exit_of_the_module_own_is_not_the_builtin():
    source = """
        import threading
        def exit(code):
            print("done", code)
        def work():
            exit(1)
        threading.Thread(target=work).start()
    """
    assert found(source, "PVT205") == set()


def test_pvt205_an_exit_in_main_that_is_also_a_thread_target_is_flagged_for_the_thread():
    source = """
        import sys, threading
        def main():
            sys.exit(0)
        threading.Thread(target=main).start()
    """
    assert found(source, "PVT205") == {4}


def test_pvt204_a_handler_installed_after_a_main_thread_check_in_the_same_function_is_not_flagged():
    source = """
        import signal, threading
        def install(handler):
            if threading.current_thread().name != "MainThread":
                return
            signal.signal(signal.SIGTERM, handler)
        def other(handler):
            signal.signal(signal.SIGINT, handler)
        threading.Thread(target=install, args=(print,)).start()
        threading.Thread(target=other, args=(print,)).start()
    """
    assert found(source, "PVT204") == {8}


@pytest.mark.parametrize(
    "loop, flagged",
    [
        ("for batch in batches:", {6}),
        ("while batches:", {6}),
        ("for _ in range(1):", set()),
        ("for batch in [batches]:", set()),
    ],
)
def test_pvt302_loops_that_run_once_by_construction_are_skipped(loop, flagged):
    source = f"""
        from concurrent.futures import ProcessPoolExecutor
        def work(batches):
            {loop}
                batch = batches.pop()
                with ProcessPoolExecutor(2) as pool:
                    pool.map(abs, batch)
    """
    assert found(source, "PVT302") == flagged


def test_pvt302_a_pool_in_the_loop_iterable_or_after_the_loop_is_not_per_iteration():
    source = """
        from multiprocessing import Pool
        def work(xs):
            for y in Pool(2).map(abs, xs):
                print(y)
            else:
                with Pool(2) as pool:
                    pool.map(abs, xs)
    """
    assert found(source, "PVT302") == set()


def test_pvt302_a_pool_created_in_a_nested_function_defined_in_a_loop_is_not_judged_by_that_loop():
    source = """
        from multiprocessing import Pool
        def work(groups):
            jobs = []
            for xs in groups:
                def run(xs=xs):
                    with Pool(2) as pool:
                        return pool.map(abs, xs)
                jobs.append(run)
            return jobs
    """
    assert found(source, "PVT302") == set()
