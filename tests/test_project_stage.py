"""The project stage on the fixture projects (fixtures/projects/): the facts each module's rules will
read, with their chains. The exact-findings test over these projects comes when the stage is wired."""

import random

import pytest

from pvt_lint.model.project_facts import ModuleFacts, SharedClass, display
from pvt_lint.runner.project.layout import discover
from pvt_lint.runner.project.stage import project_facts

from helpers import expected
from helpers import PROJECTS, summaries_of


def facts_of(name: str):
    project = PROJECTS / name
    layout = discover(project)
    paths = {module: path.relative_to(project).as_posix() for module, path in layout.modules.items()}
    return project_facts(summaries_of(project), paths=paths)


def runs(facts, module: str, context: str) -> dict:
    """{qualname: [(site module, site line, chain of displayed names)]} of one context."""
    out = {}
    for fn in facts.for_module(module).functions:
        reasons = getattr(fn, context)
        if reasons:
            out[fn.key.partition(":")[2]] = [(r.site.module, r.site.line, tuple(map(display, r.chain))) for r in reasons]
    return out


def test_every_fixture_project_has_labels_and_only_in_files_that_exist():
    projects = sorted(p for p in PROJECTS.iterdir() if p.is_dir())
    assert len(projects) >= 8
    for project in projects:
        labels = [expected(f.read_text(encoding="utf-8")) for f in project.rglob("*.py")]
        if project.name not in ("pvt105_fork_entry", "pvt2xx_other_programs"):  # all near misses
            assert any(labels), project.name


def test_pvt101_a_pool_in_main_runs_tasks_of_another_module_in_children():
    facts = facts_of("pvt101_cross_module")
    assert runs(facts, "shop.tasks", "processes") == {
        "price": [("shop.main", 12, ("price",))],
        "price_pure": [("shop.main", 13, ("price_pure",))],
    }
    summary = summaries_of(PROJECTS / "pvt101_cross_module")["shop.tasks"]
    writes = {fn.qualname: [(w.name, w.kind, w.line) for w in fn.writes] for fn in summary.functions if fn.writes}
    assert writes == {"price": [("PRICED", "mutate", 9)], "<module>": [("PRICED", "store", 3), ("TAX", "store", 4)]}


def test_pvt105_globals_set_by_the_cli_and_read_by_workers_in_another_module():
    facts = facts_of("pvt105_cross_module")
    sets = [(s.name, s.setter, s.line, s.kind, s.starting) for s in facts.for_module("imaging.settings").global_sets]
    assert sets == [
        ("LOG_LEVEL", "imaging.test_resize:test_log_line_uses_the_level", 6, "store", False),  # starts nothing
        ("QUALITY", "imaging.cli:main", 9, "item-store", True),
        ("SIZES", "imaging.cli:main", 10, "mutate", True),
        ("WATERMARK", "imaging.cli:main", 11, "store", True),  # through the module alias
    ]
    reads = [(r.module, r.name, r.reader, r.reason.site.line, r.reason.site.start_method, r.set_by_initializer)
             for r in facts.for_module("imaging.resize").child_reads]
    assert reads == [
        ("imaging.settings", "LOG_LEVEL", "imaging.resize:log_line", 19, "", False),  # set by a test only
        ("imaging.settings", "QUALITY", "imaging.resize:resize", 13, "", False),
        ("imaging.settings", "SIZES", "imaging.resize:thumbnails", 15, "", False),
        ("imaging.resize", "WATERMARK_TEXT", "imaging.resize:thumbnails", 15, "", True),  # near miss: initializer
        ("imaging.settings", "WATERMARK", "imaging.resize:watermark", 18, "", False),  # settings.WATERMARK
    ]
    assert runs(facts, "imaging.resize", "initializers") == {"init_watermark": [("imaging.cli", 14, ("init_watermark",))]}
    # near miss: crop gets its value as an argument and reads no global
    assert runs(facts, "imaging.resize", "processes")["crop"] == [("imaging.cli", 17, ("crop",))]
    assert summaries_of(PROJECTS / "pvt105_cross_module")["imaging.resize"].function("crop").reads == ()


def test_pvt105_fork_set_in_the_entry_module_reaches_a_pool_in_a_helper_module():
    facts = facts_of("pvt105_fork_entry")
    (read,) = facts.for_module("jobs.state").child_reads
    assert (read.name, read.reader, read.reason.site.module, read.reason.site.start_method) == (
        "LIMITS", "jobs.state:check", "jobs.pool", "fork")
    assert [(s.name, s.setter) for s in facts.for_module("jobs.state").global_sets] == [("LIMITS", "jobs.run:main")]
    assert facts.for_module("jobs.pool").program_start_methods == ("fork",)


def test_pvt102_pvt104_instances_whose_class_holds_a_lambda_or_a_lock_sent_to_processes():
    facts = facts_of("pvt102_104_class_attribute")
    sends = [(u.line, u.how, u.cls, u.attribute, u.kind, u.attribute_line) for u in facts.for_module("crawler.run").unfit_sends]
    assert sends == [
        (14, "bound-method target", "crawler.fetcher:Fetcher", "clean", "lambda", 8),
        (14, "bound-method target", "crawler.fetcher:Fetcher", "lock", "thread-primitive", 9),
        (16, "argument", "crawler.fetcher:Fetcher", "clean", "lambda", 8),
        (16, "argument", "crawler.fetcher:Fetcher", "lock", "thread-primitive", 9),
    ]  # near misses: PlainFetcher (lines 17, 18) and the thread (line 19) send nothing unfit


def test_pvt103_module_level_calls_that_start_processes_two_calls_down_or_through_third_party_apis():
    facts = facts_of("pvt103_transitive_starter")
    starts = [(s.line, tuple(map(display, s.starter.chain)), s.starter.line, s.starter.what)
              for s in facts.for_module("demo").import_time_starts]
    assert starts == [
        (5, ("run_all", "_fan_out"), 11, "sends work to a process pool"),
        (6, ("batches",), 7, "starts worker processes when iterated (num_workers > 0)"),
        (7, ("parallel_sum",), 15, "runs its tasks in worker processes (a process backend)"),
    ]
    assert facts.for_module("guarded").import_time_starts == ()  # near miss: behind the main guard


def test_pvt2xx_methods_reached_from_threads_started_in_another_module():
    facts = facts_of("pvt2xx_thread_reached")
    save = facts.for_module("ingest.store").function("Store.save")
    # the sentence a message makes of it: `Store.save` runs on the threads started at ingest/fetch.py:23
    # (via `Fetcher.run`)
    assert (save.threads[0].site.where, display(save.threads[0].chain[0])) == ("ingest/fetch.py:23", "Fetcher.run")
    assert runs(facts, "ingest.store", "threads") == {
        "Counter.bump": [("ingest.fetch", 23, ("Fetcher.run", "Counter.bump"))],
        "Store.claim": [("ingest.fetch", 23, ("Fetcher.run", "Store.claim"))],
        "Store.touch": [("ingest.fetch", 23, ("Fetcher.run", "Store.touch"))],
        "Store.save": [("ingest.fetch", 23, ("Fetcher.run", "Store.save"))],
    }  # near miss: Report is used on the main thread only
    bump = facts.for_module("ingest.store").function("Counter.bump")
    assert bump.caller_locks == ("ingest.fetch:self.lock",)  # near miss: the caller holds its lock
    assert facts.for_module("ingest.store").function("Store.save").caller_locks == ()
    assert facts.for_module("ingest.store").function("Report.add") is None


def test_pvt201_library_classes_documented_or_locked_as_shared():
    facts = facts_of("pvt201_library")
    shared = [(c.cls, c.evidence, c.detail) for c in facts.for_module("cachelib.cache").shared_classes]
    assert shared == [
        ("cachelib.cache:LRUCache", "docstring", "It is thread-safe: share one instance between your threads"),
        ("cachelib.cache:LRUCache", "own lock", "_lock"),
    ]
    # near misses: Tally has nothing; Meter's own lock is a fact, which PVT201 does not take as evidence alone
    assert facts.for_module("cachelib.tally").shared_classes == (
        SharedClass("cachelib.tally:Meter", "own lock", "_lock"),
    )


def test_pvt301_thread_pool_tasks_whose_cpu_bound_loop_lives_in_another_module():
    facts = facts_of("pvt301_cross_module")
    heavy = facts.for_module("checks.heavy")
    cpu = {fn.key: (tuple(map(display, fn.cpu.chain)), fn.cpu.line, fn.cpu.what) for fn in heavy.functions if fn.cpu}
    assert cpu == {
        "checks.heavy:checksum": (("checksum",), 7, "for loop"),
        "checks.heavy:scan": (("scan", "checksum"), 7, "for loop"),
    }  # near miss: fetch waits on I/O
    assert runs(facts, "checks.heavy", "threads") == {
        "checksum": [("checks.runner", 10, ("checksum",)), ("checks.runner", 11, ("scan", "checksum"))],
        "fetch": [("checks.runner", 12, ("fetch",))],
        "scan": [("checks.runner", 11, ("scan",))],
    }


# ---- properties of the stage ---------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_facts_do_not_depend_on_the_order_modules_come_in(name):
    summaries = summaries_of(PROJECTS / name)
    reference = {m: f.to_json() for m, f in project_facts(summaries).modules.items()}
    for seed in range(3):
        items = list(summaries.items())
        random.Random(seed).shuffle(items)
        assert {m: f.to_json() for m, f in project_facts(dict(items)).modules.items()} == reference


@pytest.mark.parametrize("name", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_module_facts_round_trip_through_json(name):
    for facts in project_facts(summaries_of(PROJECTS / name)).modules.values():
        again = ModuleFacts.from_json(facts.to_json())
        assert again == facts and again.fingerprint() == facts.fingerprint()


def test_a_site_says_whether_its_work_runs_beside_copies_of_itself():
    facts = facts_of("pvt2xx_thread_reached")
    (reason,) = facts.for_module("ingest.store").function("Store.save").threads
    assert reason.site.concurrent  # threads started in a comprehension
