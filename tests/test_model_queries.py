"""The model's per-function and per-class queries: what a per-module summary is built from.

One small program exercises every query; each assertion is an exact value.
"""

import textwrap

import libcst as cst

from pvt_lint.engine import build_model

SOURCE = textwrap.dedent(
    '''
    import threading
    import multiprocessing as mp
    from concurrent.futures import ThreadPoolExecutor

    settings = {}
    counter = 0
    lock = threading.Lock()

    class Worker(threading.Thread):
        def __init__(self):
            super().__init__()
            self.key = lambda item: item[0]
            self.guard = threading.RLock()
            def helper():
                return 1
            self.helper = helper

        def run(self):
            with self.guard:
                total()

    def total():
        global counter
        lock.acquire()
        counter += len(settings)
        lock.release()
        return sum(i * i for i in range(10 ** 6))

    def main():
        settings["mode"] = "fast"
        with ThreadPoolExecutor() as pool:
            pool.submit(total)
        p = mp.Process(target=total)
        p.start()

    print("imported")
    if __name__ == "__main__":
        main()
    '''
)

MODEL = build_model(cst.parse_module(SOURCE))


def test_globals_read_and_written_per_function():
    assert sorted(MODEL.globals_read("total")) == ["lock", "settings"]
    assert sorted(MODEL.globals_written("total")) == ["counter"]
    # Filling a dict through its name writes the global without reading it.
    assert sorted(MODEL.globals_read("main")) == ["ThreadPoolExecutor", "mp", "total"]
    assert sorted(MODEL.globals_written("main")) == ["settings"]
    assert sorted(MODEL.globals_written(None)) == ["counter", "lock", "settings"]


def test_calls_are_resolved_to_qualified_names_and_module_functions():
    assert [(c.line, c.qualname, c.callee) for c in MODEL.calls_in("main")] == [
        (32, "concurrent.futures.ThreadPoolExecutor", None),
        (33, "concurrent.futures.ThreadPoolExecutor().submit", None),
        (34, "multiprocessing.Process", None),
        (35, "multiprocessing.Process().start", None),
    ]
    assert [(c.line, c.qualname, c.callee) for c in MODEL.calls_in("Worker.run")] == [(21, "total", "total")]


def test_work_sent_elsewhere_and_process_starts_per_function():
    assert [(s.line, s.api, s.target) for s in MODEL.dispatches_from("main")] == [
        (33, "concurrent.futures.ThreadPoolExecutor.submit", "total"),
        (34, "multiprocessing.Process", "total"),
    ]
    # The Thread subclass stands in for a start elsewhere; it is no dispatch *from* module level.
    assert MODEL.dispatches_from(None) == []
    assert [(s.line, s.target, s.elsewhere) for s in MODEL.dispatches if s.elsewhere] == [(10, "Worker.run", True)]
    assert [q for q in (None, "Worker.run", "total", "main") if MODEL.starts_processes(q)] == ["main"]


def test_locks_taken_per_function():
    assert MODEL.locks_taken("total") == {"lock"}
    assert MODEL.locks_taken("Worker.run") == {"self.guard"}
    assert MODEL.locks_taken("main") == set()


def test_class_attributes_and_resolved_bases():
    assert MODEL.attribute_values("Worker") == {"key": "<lambda>", "guard": "threading.RLock()", "helper": "helper"}
    assert MODEL.class_info("Worker").bases == ("threading.Thread",)
    assert MODEL.class_info("Nothing") is None


def test_import_time_calls_leave_out_the_main_guard_and_functions():
    assert [(c.line, c.qualname) for c in MODEL.import_time_calls()] == [(8, "threading.Lock"), (37, "print")]


def test_cpu_profile_names_the_hot_loop_and_what_blocks():
    profile = MODEL.cpu_profile("total")
    assert profile.hot == (28, 15, "comprehension")
    assert [(c.line, kind) for c, kind in profile.blockers] == [(25, "blocking"), (27, "blocking")]
    assert not profile.cpu_bound


def test_one_lookup_through_the_scopes_then_the_module():
    assert MODEL.lookup("pool", MODEL.scope_of("main"))[0] == "main"
    assert MODEL.lookup("lock", MODEL.scope_of("main"))[0] == "<module>"
    assert MODEL.lookup("nothing", ()) is None
    assert MODEL.resolve_in("self.guard", "Worker.run") == "threading.RLock()"
    assert MODEL.resolve_in("lock", "total") == "threading.Lock()"
    assert MODEL.selves(MODEL.scope_of("Worker.run")) == {"self": "Worker"}
