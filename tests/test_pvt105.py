"""PVT105 beyond its labels: the exact messages, the 160-character bound, the related locations, and the
three facts (parent writes, child reads, child writes) the rule joins, which a project stage will later
supply from other modules."""

import textwrap

import libcst as cst

from pvt_lint.config import Config
from pvt_lint.engine import build_model, lint_source
from pvt_lint.runner import lint_file
from pvt_lint.rules.global_set_in_parent_read_in_child import (
    child_code,
    child_reads,
    child_writes,
    parent_writes,
)

from helpers import FIXTURES

IMPORT_TIME = "under spawn or forkserver it sees the import-time value"
UNDEFINED = "under spawn or forkserver it is not defined there"


def messages(name):
    result = lint_file(str(FIXTURES / "PVT105" / name), Config())
    return sorted((f.line, f.message) for f in result.findings if f.code == "PVT105")


def test_argparse_fixture_messages():
    assert messages("argparse_pool.py") == [
        (13, f"`OUT_DIR` is set in the parent at line 32 but read by child process target `resize`; {IMPORT_TIME}"),
        (14, f"`ARGS` is set in the parent at line 30 but read by child process target `resize`; {IMPORT_TIME}"),
        (15, f"`QUALITY` is set in the parent at line 31 but read by child process target `resize`; {IMPORT_TIME}"),
    ]


def test_filled_and_undefined_messages():
    assert messages("registry_filled.py") == [
        (21, f"`REGISTRY` is filled in the parent at line 11 but read by child process target `convert`; {IMPORT_TIME}"),
        (22, f"`CACHE` is filled in the parent at line 27 but read by child process target `convert`; {IMPORT_TIME}"),
    ]
    assert messages("initializer_called_in_parent.py") == [
        (16, f"`session` is set in the parent at line 11 but read by child process target `make_request`; {UNDEFINED}"),
        (16, f"`url` is set in the parent at line 12 but read by child process target `make_request`; {UNDEFINED}"),
    ]


SPAWN_POOL = """\
import multiprocessing
LIMIT = 1
def work(n):
    return min(n, LIMIT)
def main():
    global LIMIT
    LIMIT = 5
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        return pool.map(work, range(9))
"""


def test_the_named_start_method_and_the_related_locations():
    (finding,) = lint_source(SPAWN_POOL, "spawn_pool.py")
    assert (finding.line, finding.column, finding.code) == (4, 18, "PVT105")
    assert finding.message == ("`LIMIT` is set in the parent at line 7 but read by child process target `work`; "
                               "under spawn it sees the import-time value")
    assert [(r.line, r.column, r.message) for r in finding.related] == [
        (7, 4, "`LIMIT` is set here, in the parent, after import"),
        (10, 15, "`work` is sent to a child process here"),
    ]


def test_a_long_target_name_gives_way_and_the_message_stays_within_160_characters():
    long_name = "process_one_chunk_of_the_nightly_warehouse_export_and_upload_it"
    source = SPAWN_POOL.replace("work", long_name)
    (finding,) = lint_source(source, "long.py")
    assert finding.message == ("`LIMIT` is set in the parent at line 7 but read by a child process; "
                               "under spawn it sees the import-time value")
    for name in ("argparse_pool.py", "registry_filled.py", "main_guard_process.py", "lock_made_in_main.py"):
        assert all(len(message) <= 160 and "#" not in message for _, message in messages(name))


FACTS = """\
import functools
import multiprocessing
MODE = "slow"
SEEN = set()
MODEL = None
def setup(path):
    global MODEL
    MODEL = path
def helper():
    return MODE
def work(n):
    SEEN.add(n)
    return helper(), MODEL, n
def main():
    global MODE
    MODE = "fast"
    init = functools.partial(setup, "m.bin")
    with multiprocessing.Pool(2, initializer=init) as pool:
        pool.map(work, range(3))
if __name__ == "__main__":
    SEEN.update({1, 2})
    main()
"""


def test_the_three_facts():
    model = build_model(cst.parse_module(FACTS))
    child = child_code(model)
    assert sorted(child) == ["helper", "setup", "work"]  # setup through the partial kept in `init`
    assert sorted((w.name, w.line, w.verb, w.function) for w in parent_writes(model, child)) == [
        ("MODE", 16, "set", "main"),
        ("SEEN", 21, "filled", None),
    ]
    assert child_writes(model, child) == {"MODEL", "SEEN"}
    (read,) = child_reads(model, "MODE", child)
    assert (read.line, read.column, read.reader, read.target, read.site_line, read.start_method) == (
        10, 11, "helper", "work", 19, None)
    assert [(f.line, f.code) for f in lint_source(FACTS, "facts.py")] == [(10, "PVT105"), (12, "PVT101")]


def test_threads_see_what_main_set():
    source = textwrap.dedent("""\
        import threading
        MODE = "slow"
        def work():
            return MODE
        def main():
            global MODE
            MODE = "fast"
            threading.Thread(target=work).start()
        """)
    assert lint_source(source, "threads.py") == []
