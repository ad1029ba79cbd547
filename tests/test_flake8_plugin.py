"""The flake8 plugin, run through the real ``flake8`` command: the same findings as the CLI.

Every fixture is linted once by ``flake8 --isolated --select PVT,E999`` (``--isolated``: the
project's own configuration must not change what is checked) and once by
``pvt-lint --format json``; each file's (line, column, code, message) sets must be identical.

Files that do not parse are the exception, by design: flake8 reports them as E999 and runs no
plugin on them, the CLI reports them as PVT000. For those the test asserts that flake8 gives E999
on the line where the CLI gives PVT000, and that neither reports anything else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from pvt_lint.flake8_plugin import Plugin

from helpers import FIXTURES, PROJECT_NAMES, PROJECTS, ROOT, run_cli

# Whole projects: test_flake8_and_cli_agree_on_every_project_file.
FILES = sorted(p for p in FIXTURES.rglob("*.py") if not p.is_relative_to(PROJECTS))
SEP = "\x1f"


FORMAT = SEP.join(["%(path)s", "%(row)d", "%(col)d", "%(code)s", "%(text)s"])


def run_flake8(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # The plugin's project stage caches in the project root; never in the checkout (the CLI runs with
    # --no-cache for the same reason).
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", f"--format={FORMAT}", *args],
        cwd=cwd,
        env={**os.environ, "PVT_LINT_NO_CACHE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def flake8_findings(*args: str, cwd: Path = ROOT) -> dict[str, set[tuple]]:
    result = run_flake8(*args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    out: dict[str, set[tuple]] = defaultdict(set)
    for line in result.stdout.splitlines():
        path, row, col, code, text = line.split(SEP)
        out[str(Path(path))].add((int(row), int(col), code, text))
    return out


def cli_findings(*args: str, cwd: Path = ROOT) -> dict[str, set[tuple]]:
    result = run_cli("--no-cache", "--format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    out: dict[str, set[tuple]] = defaultdict(set)
    for f in json.loads(result.stdout):
        out[str(Path(f["path"]))].add((f["line"], f["column"], f["code"], f["message"]))
    return out


@pytest.fixture(scope="module")
def both():
    paths = [str(p.relative_to(ROOT)) for p in FILES]
    return flake8_findings("--select", "PVT,E999", *paths), cli_findings(*paths)


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_flake8_and_cli_agree_on_every_fixture(path: Path, both):
    by_flake8, by_cli = both
    key = str(path.relative_to(ROOT))
    flake8_found, cli_found = by_flake8.get(key, set()), by_cli.get(key, set())
    syntax = {(line, code) for line, _, code, _ in cli_found if code == "PVT000"}
    if syntax:
        # flake8 cannot parse this file: E999 is flake8's, the plugin never runs on it.
        assert {line for line, _ in syntax} == {line for line, _, code, _ in flake8_found}
        assert {code for _, _, code, _ in flake8_found} == {"E999"}
        assert {code for _, _, code, _ in cli_found} == {"PVT000"}
    else:
        assert flake8_found == cli_found


@pytest.mark.slow
def test_flake8_loads_the_plugin_on_the_fixtures(both):
    """Guards the comparison above against a plugin that is not loaded at all."""
    by_flake8, _ = both
    codes = {code for found in by_flake8.values() for _, _, code, _ in found}
    assert "PVT101" in codes


NOQA_SOURCE = """\
import multiprocessing

data = []


def worker():
    data.append(1)  # noqa: PVT101


if __name__ == "__main__":
    multiprocessing.Process(target=worker).start()
"""


@pytest.mark.slow
def test_noqa_belongs_to_flake8(tmp_path):
    (tmp_path / "noqa.py").write_text(NOQA_SOURCE, encoding="utf-8")
    assert flake8_findings("--select", "PVT", "noqa.py", cwd=tmp_path) == {}
    assert cli_findings("noqa.py", cwd=tmp_path) == {}
    # --disable-noqa is flake8's switch: the plugin must not have dropped the finding itself.
    message = (
        "global `data` is changed by `.append()` in child process target `worker` "
        "(started at line 11); the parent never sees the change"
    )
    assert flake8_findings("--select", "PVT", "--disable-noqa", "noqa.py", cwd=tmp_path) == {
        "noqa.py": {(7, 5, "PVT101", message)}
    }


@pytest.mark.slow
def test_select_by_prefix_and_extend_ignore(tmp_path):
    (tmp_path / "bug.py").write_text(NOQA_SOURCE.replace("  # noqa: PVT101", ""), encoding="utf-8")
    assert set(flake8_findings("--select", "PVT1", "bug.py", cwd=tmp_path)) == {"bug.py"}
    assert flake8_findings("--select", "PVT", "--extend-ignore", "PVT101", "bug.py", cwd=tmp_path) == {}
    assert flake8_findings("--select", "E", "bug.py", cwd=tmp_path) == {}


ENCODED = {
    "crlf.py": NOQA_SOURCE.replace("  # noqa: PVT101", "").replace("\n", "\r\n").encode(),
    "bom.py": b"\xef\xbb\xbf" + NOQA_SOURCE.replace("  # noqa: PVT101", "").encode(),
    "latin1.py": (
        "# -*- coding: latin-1 -*-\n# caf\xe9\n" + NOQA_SOURCE.replace("  # noqa: PVT101", "")
    ).encode("latin-1"),
}


@pytest.mark.slow
def test_line_endings_bom_and_encodings_give_the_same_findings(tmp_path):
    for name, data in ENCODED.items():
        (tmp_path / name).write_bytes(data)
    by_flake8 = flake8_findings("--select", "PVT", *ENCODED, cwd=tmp_path)
    by_cli = cli_findings(*ENCODED, cwd=tmp_path)
    assert by_flake8 == by_cli
    assert {name: {(line, code) for line, _, code, _ in found} for name, found in by_cli.items()} == {
        "crlf.py": {(7, "PVT101")},
        "bom.py": {(7, "PVT101")},
        "latin1.py": {(9, "PVT101")},
    }


def test_plugin_yields_flake8_tuples_with_0_based_columns():
    lines = NOQA_SOURCE.replace("  # noqa: PVT101", "").splitlines(keepends=True)
    plugin = Plugin(tree=None, lines=lines, filename="example.py")
    assert list(plugin.run()) == [
        (
            7,
            4,
            "PVT101 global `data` is changed by `.append()` in child process target `worker` "
            "(started at line 11); the parent never sees the change",
            Plugin,
        )
    ]


@pytest.mark.slow
def test_plugin_is_registered_under_the_pvt_code():
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True, timeout=60)
    assert "pvt-lint: " in result.stdout


@pytest.mark.slow
def test_flake8_and_cli_agree_on_every_project_file_project_facts_included(tmp_path):
    # Each project copied out of the checkout (its own root). The CLI is asked for each project's files by
    # name, as pre-commit asks (one file alone: test_project_run.py); flake8 for all of them; the plugin
    # runs the runner's project stage per root.
    for name in PROJECT_NAMES:
        project = tmp_path / name
        shutil.copytree(PROJECTS / name, project)
        (project / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "pvt101_cross_module" / "shop" / "local.py").write_text(NOQA_SOURCE.replace("  # noqa: PVT101", ""))
    paths = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.py"))
    by_flake8 = flake8_findings("--select", "PVT", *paths, cwd=tmp_path)
    by_cli: dict[str, set[tuple]] = {}
    for name in PROJECT_NAMES:
        by_cli.update(cli_findings(*(p for p in paths if Path(p).parts[0] == name), cwd=tmp_path))
    for path in paths:
        assert by_flake8.get(path, set()) == by_cli.get(path, set()), path
    # The plugin did run (the comparison above cannot pass by both sides finding nothing everywhere).
    assert {code for _, _, code, _ in by_flake8["pvt101_cross_module/shop/local.py"]} == {"PVT101"}


def test_the_plugin_judges_a_file_with_the_facts_of_its_project(tmp_path, monkeypatch):
    from pvt_lint import engine
    from pvt_lint.flake8_plugin import findings_for_flake8

    project = tmp_path / "shop_project"
    shutil.copytree(PROJECTS / "pvt101_cross_module", project)
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("PVT_LINT_NO_CACHE", "1")
    models = []
    real = engine.build_model
    monkeypatch.setattr(engine, "build_model", lambda *args: models.append(real(*args)) or models[-1])
    tasks = project / "shop" / "tasks.py"
    findings_for_flake8(tasks.read_text(encoding="utf-8"), str(tasks))
    facts = models[-1].project  # tasks.py itself mentions no concurrency: the facts made it judged
    assert facts.module == "shop.tasks"
    assert facts.function("price").processes[0].site.where.startswith("shop/main.py:")
