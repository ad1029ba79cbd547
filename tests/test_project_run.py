"""The runner's project stage: every fixture project judged as a user's run judges it, changed-file runs
that keep the whole project's facts, a warm cache that equals a cold run after a callee is edited, the
``src`` setting, and a project with a module that does not parse."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

from pvt_lint import engine
from pvt_lint.config import Config, ConfigError, load_config
from pvt_lint.findings import Finding
from pvt_lint.model.project_facts import ModuleFacts
from pvt_lint.runner import lint_paths
from pvt_lint.runner.cache import open_cache
from pvt_lint.runner.project.rounds import judge_project

from helpers import PROJECT_NAMES, PROJECTS, expected, finding_in_fixture, project_copy, project_run

def labels(project: Path) -> set[tuple[str, int, str]]:
    return {
        (str(path.relative_to(project)), line, code)
        for path in sorted(project.rglob("*.py"))
        for line, code in expected(path.read_text(encoding="utf-8"))
    }


def found(project: Path, findings) -> set[tuple[str, int, str]]:
    return {(str(Path(f.path).resolve().relative_to(project.resolve())), f.line, f.code) for f in findings}


@pytest.mark.parametrize("name", PROJECT_NAMES)
def test_a_fixture_project_finds_exactly_its_labels(name):
    # Columns and messages: the snapshots beside the files (test_messages.py); here, the labels.
    project = PROJECTS / name
    findings = [f for per_file in project_run(name).values() for f in per_file]
    assert found(project, findings) == labels(project)


@pytest.mark.parametrize("name", PROJECT_NAMES)
def test_asking_for_one_file_reports_its_findings_from_the_whole_project(name):
    # pre-commit passes file names: each file alone gets exactly what the whole project's run gives it.
    whole = project_run(name)
    copy = project_copy(name)
    for path, findings in whole.items():
        alone = lint_paths([str(copy / path.relative_to(PROJECTS / name))], Config(root=str(copy)))
        assert [finding_in_fixture(f, name) for f in alone.findings] == list(findings), path


def copy_project(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target)
    (target / "pyproject.toml").write_text("", encoding="utf-8")  # its own root, outside the checkout's
    return target


def test_a_file_asked_alone_is_judged_with_the_facts_other_modules_give_it(tmp_path, monkeypatch):
    # tasks.py mentions no concurrency: the gate skips it, but main.py maps its functions over a
    # process pool, so the project stage forces its summary and judges it with those facts.
    project = copy_project("pvt101_cross_module", tmp_path)
    seen: dict[str, object] = {}
    real = engine.build_model

    def spy(*args):
        model = real(*args)
        seen["model"] = model
        return model

    monkeypatch.setattr(engine, "build_model", spy)
    tasks = project / "shop" / "tasks.py"
    results, run = judge_project(project, [str(tasks)], Config(root=str(project)), 1, None, lambda n: None)
    assert [r.path for r in results] == [str(tasks)]
    assert (run.forced, run.judged) == (["shop.tasks"], ["shop.tasks"])
    facts = seen["model"].project  # the last model built: tasks.py judged with its facts
    assert isinstance(facts, ModuleFacts) and facts == run.facts.for_module("shop.tasks")
    price = facts.function("price")
    assert price.processes and price.processes[0].site.where.startswith("shop/main.py:")
    assert facts.function("price_pure").processes


def spy_on_analysed(monkeypatch, project: Path) -> list[str]:
    """The files the project stage reads from now on (analysed, or found in the cache), relative to
    ``project``, in the order asked: the list fills as runs go."""
    from pvt_lint.runner.project import rounds

    analysed: list[str] = []
    real = rounds.analyse_files

    def spy(jobs, *args):
        analysed.extend(os.path.relpath(job.path, project) for job in jobs)
        return real(jobs, *args)

    monkeypatch.setattr(rounds, "analyse_files", spy)
    return analysed


def run_cached(project: Path, cache_dir: Path) -> list[Finding]:
    config = Config(root=str(project))
    return lint_paths([str(project)], config, cache=open_cache(config, str(cache_dir))).findings


def test_editing_a_callee_in_another_module_makes_the_warm_run_equal_a_cold_one(tmp_path):
    project = copy_project("pvt2xx_thread_reached", tmp_path)
    cache = tmp_path / "cache"
    config = Config(root=str(project))
    assert run_cached(project, cache) == lint_paths([str(project)], config).findings
    _, before = judge_project(project, [str(p) for p in sorted(project.rglob("*.py"))], config, 1, None, lambda n: None)
    # The callee module gains a single-module finding of its own, and the caller in another module
    # stops calling one of its methods (the callee's facts change).
    store = project / "ingest" / "store.py"
    store.write_text(store.read_text(encoding="utf-8") + textwrap.dedent("""\

        import threading
        TOTAL = []


        def tally(n):
            TOTAL.append(n)


        threading.Thread(target=tally, args=(1,)).start()
    """), encoding="utf-8")
    fetch = project / "ingest" / "fetch.py"
    text = fetch.read_text(encoding="utf-8")
    assert "self.store.touch(url)" in text
    fetch.write_text(text.replace("self.store.touch(url)", "pass"), encoding="utf-8")
    warm = run_cached(project, cache)
    cold = lint_paths([str(project)], config).findings
    assert warm == cold
    _, after = judge_project(project, [str(p) for p in sorted(project.rglob("*.py"))], config, 1, None, lambda n: None)
    assert after.facts != before.facts  # the edit changed what the project knows
    assert run_cached(project, cache) == cold  # and a second warm run reads it all back


def test_src_setting_names_the_modules_from_its_roots(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pvt-lint]\nsrc = ["lib"]\n', encoding="utf-8")
    package = tmp_path / "lib" / "shop"
    shutil.copytree(PROJECTS / "pvt101_cross_module" / "shop", package)
    config = load_config(tmp_path / "pyproject.toml")
    assert config.src == ("lib",)
    results, run = judge_project(tmp_path, [str(package / "main.py")], config, 1, None, lambda n: None)
    assert sorted(run.layout.modules) == ["shop", "shop.main", "shop.tasks"]
    assert run.forced == ["shop.tasks"]


@pytest.mark.parametrize(("value", "message"), [
    ("src = [\"lib\"]", None),
    ("src = \"lib\"", "'src' must be a list of strings"),  # a string for a list is an error, as in ruff
    ("src = [1]", "'src' must be a list of strings"),
    ("process-starters = [\"pkg.run\", \"not a name\"]", "'process-starters' has 'not a name', which is not a dotted name"),
])
def test_src_and_process_starters_are_validated(tmp_path, value, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.pvt-lint]\n{value}\n", encoding="utf-8")
    if message is None:
        assert load_config(tmp_path / "pyproject.toml").src == ("lib",)
    else:
        with pytest.raises(ConfigError) as error:
            load_config(tmp_path / "pyproject.toml")
        assert str(error.value) == f"{tmp_path / 'pyproject.toml'}: {message}"


def test_a_module_that_does_not_parse_is_pvt000_and_every_other_module_is_still_judged(tmp_path):
    project = copy_project("pvt101_cross_module", tmp_path)
    (project / "shop" / "broken.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    (project / "shop" / "local.py").write_text(textwrap.dedent("""\
        import multiprocessing
        from . import broken

        SEEN = []


        def work(n):
            SEEN.append(n)


        if __name__ == "__main__":
            multiprocessing.Process(target=work, args=(1,)).start()
    """), encoding="utf-8")
    report = lint_paths([str(project)], Config(root=str(project)))
    assert [(Path(f.path).name, f.line, f.code) for f in report.findings] == [
        ("broken.py", 1, "PVT000"), ("local.py", 8, "PVT101"), ("tasks.py", 9, "PVT101"),
    ]


def test_an_internal_error_in_the_project_stage_is_one_error_line_and_loses_no_file(tmp_path, monkeypatch):
    import pvt_lint.runner.project.stage as stage

    project = copy_project("pvt102_104_class_attribute", tmp_path)
    (project / "alone.py").write_text(
        "import multiprocessing\n\nif __name__ == '__main__':\n"
        "    multiprocessing.Process(target=lambda: None).start()\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(stage._Stage, "run", broken)
    report = lint_paths([str(project)], Config(root=str(project)), cache=None)
    shown = os.path.relpath(project)
    shown = str(project) if shown.startswith("..") else shown
    assert report.errors == [
        f"{shown}: internal error in the project stage (RuntimeError: boom); "
        "its files were judged one by one, without facts from other modules"
    ]
    # The first round stands: every file judged on its own (the PVT102s that need the project are missing).
    assert [(Path(f.path).name, f.line, f.code) for f in report.findings] == [
        ("alone.py", 4, "PVT102"), ("run.py", 16, "PVT401"), ("run.py", 17, "PVT401"),
    ]


def test_an_unchanged_project_takes_its_judged_results_from_the_record_and_an_edit_runs_the_rounds(
    tmp_path, monkeypatch
):
    from pvt_lint.runner.project import rounds

    project = copy_project("pvt101_cross_module", tmp_path)
    cache = tmp_path / "cache"
    cold = run_cached(project, cache)
    assert found(project, cold) == {("shop/tasks.py", 9, "PVT101")}  # a finding only the project stage gives
    decoded = []
    real_decode = rounds._Project.decode

    def decode(self):
        decoded.append(self)
        return real_decode(self)

    monkeypatch.setattr(rounds._Project, "decode", decode)
    first_rounds = []
    real_first_round = rounds._Project.first_round
    monkeypatch.setattr(rounds._Project, "first_round", lambda self, r: first_rounds.append(self) or real_first_round(self, r))
    assert run_cached(project, cache) == cold
    assert decoded == [] and first_rounds == []  # the record answered: no entry read, no round run

    # The record without the asked files' results (as an older pvt-lint wrote it): the first round reads
    # the entries, and the record's judged entries answer.
    from pvt_lint.runner.cache import ResultCache

    real_get = ResultCache.get_record
    monkeypatch.setattr(ResultCache, "get_record",
                        lambda self, name: {k: v for k, v in (real_get(self, name) or {}).items() if k != "results"} or None)
    assert run_cached(project, cache) == cold
    assert decoded == [] and len(first_rounds) == 1
    # And with the judged entry gone from the cache too: the rounds run, and judge it again.
    config = Config(root=str(project))
    entry = open_cache(config, str(cache)).entry_path(str(project / "shop" / "tasks.py"), facts="x")
    entry.unlink()
    assert run_cached(project, cache) == cold
    assert len(decoded) == 1
    monkeypatch.setattr(ResultCache, "get_record", real_get)

    # Another module edited (main.py no longer sends `price` to the pool): the record no longer matches,
    # and the finding in the unchanged tasks.py goes, as in a cold run.
    main = project / "shop" / "main.py"
    main.write_text(main.read_text(encoding="utf-8").replace("pool.map(tasks.price, ORDERS)", "map(tasks.price, ORDERS)"),
                    encoding="utf-8")
    warm = run_cached(project, cache)
    assert len(decoded) == 2
    assert run_cached(project, cache) == warm and len(decoded) == 2  # and the new record answers the next run
    assert warm == lint_paths([str(project)], config).findings == []  # what a cold run says


def test_an_edit_that_gives_the_stage_what_it_gave_before_keeps_the_record_and_any_other_runs_the_rounds(
    tmp_path, monkeypatch
):
    from pvt_lint.runner.project import rounds

    project = copy_project("pvt101_cross_module", tmp_path)
    cache = tmp_path / "cache"
    config = Config(root=str(project))
    assert found(project, run_cached(project, cache)) == {("shop/tasks.py", 9, "PVT101")}
    decoded = []
    real_decode = rounds._Project.decode
    monkeypatch.setattr(rounds._Project, "decode", lambda self: decoded.append(self) or real_decode(self))

    analysed = spy_on_analysed(monkeypatch, project)

    def warm_run() -> tuple[list[Finding], bool]:
        """(the cached run's findings, whether it ran the rounds); the findings must be a cold run's.
        ``analysed``: the files the cached run read (analysed, or found in the cache)."""
        cold = lint_paths([str(project)], config).findings
        decoded.clear()
        analysed.clear()
        warm = run_cached(project, cache)
        assert warm == cold
        return warm, bool(decoded)

    def append(name: str, text: str) -> None:
        path = project / "shop" / name
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    # A comment at the end of main.py: the same summary and imports, and main.py's facts were its own, so
    # the project's facts are last run's and no round runs; main.py is the only file analysed, and no other
    # file's cache entry is read.
    append("main.py", "# a note\n")
    findings, rounds_ran = warm_run()
    assert found(project, findings) == {("shop/tasks.py", 9, "PVT101")} and not rounds_ran
    assert analysed == [os.path.join("shop", "main.py")]
    assert warm_run() == (findings, False) and analysed == []  # the record now holds the edited file
    # The same kind of edit to tasks.py, which the project's facts judged again: the rounds run.
    append("tasks.py", "# a note\n")
    assert warm_run() == (findings, True)
    # An edit that changes main.py's summary (a new global): the rounds run.
    append("main.py", "LIMIT = 3\n")
    assert warm_run() == (findings, True)
    # A record whose list of final files is malformed (a cache written by something else): the rounds run,
    # and nothing is reported as an error.
    from pvt_lint.runner.cache import ResultCache

    real_get = ResultCache.get_record
    monkeypatch.setattr(ResultCache, "get_record", lambda self, name: {**real_get(self, name), "final": [["x"]]})
    append("main.py", "# another note\n")
    assert warm_run() == (findings, True)
    monkeypatch.setattr(ResultCache, "get_record", real_get)
    # main.py no longer sends `price` to the pool: the finding goes, as in a cold run.
    main = project / "shop" / "main.py"
    main.write_text(main.read_text(encoding="utf-8").replace("pool.map(tasks.price, ORDERS)", "map(tasks.price, ORDERS)"),
                    encoding="utf-8")
    assert warm_run() == ([], True)


def test_a_cached_summary_that_does_not_decode_is_analysed_again(tmp_path, monkeypatch):
    import json

    from pvt_lint.runner.project import rounds

    project = copy_project("pvt101_cross_module", tmp_path)
    cache = tmp_path / "cache"
    cold = run_cached(project, cache)
    config = Config(root=str(project))
    results = open_cache(config, str(cache))
    for record in cache.rglob("*.record"):
        record.unlink()  # no record: the rounds must run and read the summaries
    for name in ("main.py", "tasks.py"):
        entry = results.entry_path(str(project / "shop" / name))
        data = json.loads(entry.read_text(encoding="utf-8"))
        assert data["summary"] is not None
        data["summary"] = '{"not": "a summary"}'
        entry.write_text(json.dumps(data), encoding="utf-8")
    assert found(project, cold) == {("shop/tasks.py", 9, "PVT101")}
    again = []
    real = rounds._Project.analysed
    monkeypatch.setattr(rounds._Project, "analysed", lambda self, i, r: (again.append(r.path), real(self, i, r)))
    assert run_cached(project, cache) == cold
    # main.py's summary came with its first analysis; tasks.py's was made with ``force`` (the prefilter
    # skips it), so the round that forces it finds it unreadable and analyses it there.
    assert [Path(p).name for p in again] == ["main.py"]


def test_a_folder_with_no_project_marker_is_walked_whole_only_when_named(tmp_path, monkeypatch):
    # A script in a folder that is no project (~/Downloads, /tmp): `pvt-lint script.py` does not walk the
    # folder's other subfolders (they may hold anything, and much of it); `pvt-lint .` names the folder as
    # the project, and a script in a subfolder that sends `work` to a pool is then seen.
    (tmp_path / "runner").mkdir()
    (tmp_path / "script.py").write_text("counts = {}\n\n\ndef work(item):\n    counts[item] = 1\n", encoding="utf-8")
    (tmp_path / "runner" / "run.py").write_text(
        "import multiprocessing\nfrom script import work\n\nif __name__ == \"__main__\":\n"
        "    with multiprocessing.Pool() as pool:\n        pool.map(work, [1])\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = Config()
    assert lint_paths(["script.py"], config).findings == []
    found = lint_paths(["."], config).findings
    assert [(os.path.normpath(f.path), f.line, f.code, f.message) for f in found] == [
        ("script.py", 5, "PVT101", "global `counts` is changed in place in child process target `work` (sent to a "
                                   "child at runner/run.py:6); the parent never sees the change")]


def test_an_excluded_folder_is_no_part_of_the_project_and_a_file_named_in_it_is_judged_alone(tmp_path, monkeypatch):
    # What a walk skips is not the project's: a pool in an excluded folder (vendored code, fixtures) gives
    # the project's modules no facts, and a file named inside it is judged on its own, nothing else analysed.
    project = copy_project("pvt101_cross_module", tmp_path)
    (project / "tools").mkdir()
    (project / "shop" / "main.py").rename(project / "tools" / "main.py")
    (project / "tools" / "main.py").write_text(
        (project / "tools" / "main.py").read_text(encoding="utf-8").replace("from . import", "from shop import")
        .replace("from .tasks", "from shop.tasks"), encoding="utf-8")
    analysed = spy_on_analysed(monkeypatch, project)
    included = lint_paths([str(project)], Config(root=str(project))).findings
    assert [(f.line, f.code) for f in included] == [(9, "PVT101")]
    excluded = Config(root=str(project), extend_exclude=("tools",))
    assert lint_paths([str(project)], excluded).findings == []
    analysed.clear()
    named = lint_paths([str(project / "tools" / "main.py")], excluded).findings
    assert (named, analysed) == ([], [os.path.join("tools", "main.py")])
