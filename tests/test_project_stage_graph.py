"""The project stage's walks: cycle-safe, bounded, deterministic, and facts that change exactly when
what they depend on changes (so a cache keyed on their fingerprint re-judges the right modules)."""

import textwrap

import libcst as cst

from pvt_lint.engine import build_model
from pvt_lint.model.project_facts import display
from pvt_lint.model.summary_build import summarize
from pvt_lint.runner.project.stage import MAX_DEPTH, project_facts


def summaries(**sources):
    out = {}
    for name, source in sources.items():
        tree = cst.parse_module(textwrap.dedent(source))
        out[name] = summarize(build_model(tree), name, False, tree)
    return out


CYCLE = dict(
    a="""
        import threading
        import b
        def f(n):
            if n:
                b.g(n - 1)
        threading.Thread(target=f, args=(3,)).start()
    """,
    b="""
        import multiprocessing
        import a
        def g(n):
            a.f(n)
            multiprocessing.Pool(2)
    """,
)


def test_a_cycle_of_calls_across_modules_ends_with_shortest_chains():
    facts = project_facts(summaries(**CYCLE))
    f = facts.for_module("a").function("f")
    g = facts.for_module("b").function("g")
    assert [(r.site.module, r.site.line, r.chain) for r in f.threads] == [("a", 7, ("a:f",))]
    assert [(r.site.module, r.site.line, r.chain) for r in g.threads] == [("a", 7, ("a:f", "b:g"))]
    assert (f.starts.chain, f.starts.line) == (("a:f", "b:g"), 6)
    assert (g.starts.chain, g.starts.line) == (("b:g",), 6)
    assert [(s.line, s.starter.chain) for s in facts.for_module("a").import_time_starts] == []  # Thread() is not a starter


def test_chains_are_bounded():
    n = MAX_DEPTH + 5
    sources = {f"m{i}": f"import m{i + 1}\ndef f():\n    m{i + 1}.f()\n" for i in range(n - 1)}
    sources[f"m{n - 1}"] = "import multiprocessing\ndef f():\n    multiprocessing.Pool(2)\n"
    sources["m0"] = "import threading\nimport m1\ndef f():\n    m1.f()\nthreading.Thread(target=f).start()\n"
    facts = project_facts(summaries(**sources))
    reached = [i for i in range(n) if facts.for_module(f"m{i}").function("f") and facts.for_module(f"m{i}").function("f").threads]
    assert reached == list(range(MAX_DEPTH))
    assert max(len(r.chain) for i in reached for r in facts.for_module(f"m{i}").function("f").threads) == MAX_DEPTH
    starting = [i for i in range(n) if facts.for_module(f"m{i}").function("f") and facts.for_module(f"m{i}").function("f").starts]
    assert starting == list(range(n - MAX_DEPTH, n))


def test_reasons_per_function_are_capped_and_ordered():
    source = "import threading\nfrom b import work\n" + "".join(
        "threading.Thread(target=work).start()\n" for _ in range(6))
    facts = project_facts(summaries(a=source, b="def work():\n    pass\n"))
    reasons = facts.for_module("b").function("work").threads
    assert [r.site.line for r in reasons] == [3, 4, 5]


def test_calls_resolve_through_aliases_relative_imports_and_package_reexports():
    tree = {
        "pkg": "from .impl import run\n",
        "pkg.impl": "import multiprocessing as mp\ndef run():\n    mp.Pool(2)\n",
        "pkg.compat": "import multiprocessing as mp\n",
        "script": "import pkg as p\nimport pkg.impl as i\nfrom pkg import compat\np.run()\ni.run()\ncompat.mp.Pool(3)\n",
    }
    out = {}
    for name, source in tree.items():
        parsed = cst.parse_module(source)
        out[name] = summarize(build_model(parsed), name, name == "pkg", parsed)
    facts = project_facts(out)
    starts = [(s.line, s.target, tuple(map(display, s.starter.chain)), s.starter.what)
              for s in facts.for_module("script").import_time_starts]
    assert starts == [
        (4, "pkg.run", ("run",), "starts a process pool"),
        (5, "pkg.impl.run", ("run",), "starts a process pool"),
        (6, "pkg.compat.mp.Pool", ("module-level code of script",), "starts a process pool"),
    ]


def test_user_starters_count():
    facts = project_facts(summaries(a="import lib\nlib.launch()\n"), extra_starters=["lib.launch"])
    assert [s.starter.what for s in facts.for_module("a").import_time_starts] == ["starts processes (a configured starter)"]


def test_a_module_fingerprint_changes_when_a_callee_in_another_module_changes_and_only_then():
    entry = "import lib\nlib.go()\n"
    before = project_facts(summaries(entry=entry, lib="def go():\n    pass\n"))
    unrelated = project_facts(summaries(entry=entry, lib="def go():\n    pass\n\ndef other():\n    return 1\n"))
    after = project_facts(summaries(entry=entry, lib="import multiprocessing\ndef go():\n    multiprocessing.Pool(2)\n"))
    assert before.for_module("entry").fingerprint() == unrelated.for_module("entry").fingerprint()
    assert before.for_module("entry").fingerprint() != after.for_module("entry").fingerprint()
    assert [s.line for s in after.for_module("entry").import_time_starts] == [2]


def test_a_process_subclass_started_in_another_module_starts_processes():
    facts = project_facts(summaries(
        w="import multiprocessing\nclass Worker(multiprocessing.Process):\n    def run(self):\n        pass\n",
        v="from w import Worker\nclass Quiet(Worker):\n    pass\n",
        script="from w import Worker\nfrom v import Quiet\nWorker().start()\nQuiet().start()\n",
    ))
    assert [(s.line, s.starter.what) for s in facts.for_module("script").import_time_starts] == [
        (3, "starts a process"), (4, "starts a process"),
    ]


def test_methods_resolve_through_bases_in_other_modules_and_a_thread_base_elsewhere_makes_run_thread_code():
    facts = project_facts(summaries(
        base="import threading\nclass Worker(threading.Thread):\n    def save(self):\n        pass\n",
        fetch="from base import Worker\nclass Fetcher(Worker):\n    def run(self):\n        self.save()\n",
        main="from fetch import Fetcher\ndef go():\n    Fetcher().save()\n",
    ))
    run = facts.for_module("fetch").function("Fetcher.run")
    assert [(r.site.module, r.site.line, r.site.role, r.site.elsewhere, r.chain) for r in run.threads] == [
        ("fetch", 2, "run", True, ("fetch:Fetcher.run",)),
    ]
    save = facts.for_module("base").function("Worker.save")
    assert [r.chain for r in save.threads] == [("fetch:Fetcher.run", "base:Worker.save")]


def test_a_thread_does_not_run_the_coroutines_it_makes_nor_what_they_await():
    facts = project_facts(summaries(
        a="""
            import asyncio
            import threading
            import b
            def poll(loop):
                asyncio.run_coroutine_threadsafe(b.refresh(), loop)
                b.tally()
            threading.Thread(target=poll, args=(None,)).start()
        """,
        b="""
            async def refresh():
                await settle()
            async def settle():
                pass
            def tally():
                pass
        """,
    ))
    b = facts.for_module("b")
    assert [r.chain for r in b.function("tally").threads] == [("a:poll", "b:tally")]
    assert (b.function("refresh"), b.function("settle")) == (None, None)  # no facts: no thread reaches them
