"""Worker processes: the same report as a serial run, and a dying worker loses only its file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import ROOT, fixture_tree

from pvt_lint.runner import PARALLEL_MIN_FILES


# Run in a fresh interpreter: the engine forks workers, which a test runner's threads would make unsafe.
SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys
    from pvt_lint import engine
    from pvt_lint.config import Config
    from pvt_lint.runner import lint_paths
    from pvt_lint.runner.cache import open_cache

    crash_on = sys.argv[3] or None
    cache_dir = sys.argv[4] or None
    real_analyse = engine.analyse

    def analyse(data, path, config, **options):
        if crash_on and path.endswith(crash_on):
            os.kill(os.getpid(), signal.SIGSEGV)  # what a crash in libcst's native parser looks like
        return real_analyse(data, path, config, **options)

    engine.analyse = analyse
    os.chdir(sys.argv[1])
    config = Config(root=".")
    cache = open_cache(config, cache_dir) if cache_dir else None
    report = lint_paths(["."], config, jobs=int(sys.argv[2]), cache=cache)
    print(json.dumps({
        "findings": [f.to_dict() for f in report.findings],
        "files": report.files,
        "skipped": report.skipped,
    }))
    """
)


def lint_in_subprocess(tree: Path, jobs: int, crash_on: str | None = None, cache: Path | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-c", SCRIPT, str(tree), str(jobs), crash_on or "", str(cache or "")]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def three_copies(tmp_path_factory) -> tuple[Path, dict]:
    """Three copies of the fixtures and their serial report, shared by the tests that compare with it."""
    tree = fixture_tree(tmp_path_factory.mktemp("parallel"), copies=3)
    return tree, lint_in_subprocess(tree, jobs=1)


def test_enough_files_for_workers(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    assert len(list(tree.rglob("*.py"))) >= PARALLEL_MIN_FILES  # so the parallel path really runs


@pytest.mark.slow
def test_workers_give_the_serial_report(three_copies):
    tree, serial = three_copies
    assert serial["findings"] and not serial["skipped"]
    assert lint_in_subprocess(tree, jobs=2) == serial
    assert lint_in_subprocess(tree, jobs=5) == serial


@pytest.mark.slow
def test_a_worker_that_dies_loses_only_its_file(three_copies):
    tree, serial = three_copies
    victim = "copy1/PVT101/global_variable_trap.py"
    crashed = lint_in_subprocess(tree, jobs=2, crash_on=victim)
    assert crashed["files"] == serial["files"]
    assert crashed["skipped"] == [[victim, "not analysed: the analysis process died (killed by SIGSEGV)"]]
    assert crashed["findings"] == [f for f in serial["findings"] if f["path"] != victim]
    assert len(crashed["findings"]) < len(serial["findings"])  # the victim had findings to lose


@pytest.mark.slow
def test_a_file_whose_worker_died_is_not_cached(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    victim = "copy0/PVT101/global_variable_trap.py"
    cache = tmp_path / "cache"
    crashed = lint_in_subprocess(tree, jobs=2, crash_on=victim, cache=cache)
    assert crashed["skipped"] == [[victim, "not analysed: the analysis process died (killed by SIGSEGV)"]]
    again = lint_in_subprocess(tree, jobs=2, cache=cache)
    assert again["skipped"] == []
    assert any(f["path"] == victim for f in again["findings"])


@pytest.mark.slow
def test_every_worker_dying_still_finishes_the_run(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for n in range(PARALLEL_MIN_FILES):
        (tree / f"crash{n:02}.py").write_text("import threading\n")
    crashed = lint_in_subprocess(tree, jobs=2, crash_on="py")
    assert len(crashed["skipped"]) == crashed["files"]
    assert all("analysis process died" in reason for _, reason in crashed["skipped"])


@pytest.mark.slow
def test_cli_jobs_option_validates(cli):
    result = cli("--jobs", "-1", "fixtures")
    assert result.returncode == 2
    assert "--jobs" in result.stderr


BIG_PIPES = textwrap.dedent(
    """
    import sys
    from pvt_lint.config import Config
    from pvt_lint.findings import FileResult
    from pvt_lint.runner import workers

    # A file and a result each larger than a pipe holds: a large module and its summary.
    workers.analyse_guarded = lambda data, path, config, **options: FileResult(path, imports=("x" * len(data),))
    tasks = [(i, f"big{i}.py", b"#" * 1_000_000, {}) for i in range(6)]
    done = []
    workers.run(tasks, Config(), 2, lambda index, result: done.append((index, len(result.imports[0]))))
    print(sorted(done))
    """
)


@pytest.mark.slow
def test_large_files_and_large_results_never_deadlock_the_pipes():
    # A second file prefetched into a busy worker's pipe once blocked the parent while that worker
    # blocked sending its result: the run hung for good on the wider real-code sample.
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", BIG_PIPES], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([(i, 1_000_000) for i in range(6)])
