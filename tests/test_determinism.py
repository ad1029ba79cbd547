"""The same findings in the same order whatever --jobs, the order of paths and the cache state."""

from __future__ import annotations

import shutil

import pytest

from helpers import FIXTURES, run_cli

pytestmark = pytest.mark.slow


def test_findings_do_not_depend_on_jobs_path_order_or_cache(tmp_path):
    tree = tmp_path / "tree"
    for n in range(2):
        shutil.copytree(FIXTURES, tree / f"copy{n}")
    # A file named twice and a parent directory given after its child: deduplicated the same way.
    paths = ["copy1/PVT101/global_variable_trap.py", "copy0", "copy1"]

    def lint(*args: str, order=paths) -> str:
        result = run_cli("--format", "json", *args, *order, cwd=tree, timeout=600)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout

    reference = lint("--no-cache", "--jobs", "1")
    assert reference.count('"code"') >= 30
    variants = {
        "jobs 2": lint("--no-cache", "--jobs", "2"),
        "jobs 3": lint("--no-cache", "--jobs", "3"),
        "reversed paths": lint("--no-cache", "--jobs", "2", order=paths[::-1]),
        "cold cache": lint("--jobs", "2"),
        "warm cache": lint("--jobs", "2"),
        "warm cache, serial, reversed": lint("--jobs", "1", order=paths[::-1]),
    }
    assert (tree / ".pvt_lint_cache").is_dir()
    for name, output in variants.items():
        assert output == reference, name


def test_text_output_and_warnings_are_stable_too(tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES, tree / "a")
    shutil.copytree(FIXTURES, tree / "b")
    (tree / "a" / "big.py").write_bytes(b"x = 1\n" * 10)
    first = run_cli("--no-cache", "--jobs", "2", "a", "b", cwd=tree)
    second = run_cli("--jobs", "1", "b", "a", cwd=tree)
    third = run_cli("--jobs", "2", "b", "a", cwd=tree)
    assert first.stdout == second.stdout == third.stdout
    assert first.stderr == second.stderr == third.stderr
