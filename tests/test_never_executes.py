"""pvt-lint never imports, runs or evaluates what it lints, nor its configuration.

Every planted file would create a sentinel file if it ran; each test lints the tree with the real
CLI and asserts that the findings came out and that no sentinel exists. Both ways of starting the
CLI are covered: the ``pvt-lint`` console script, and ``python -m pvt_lint``, which puts the current
directory first on sys.path (pvt_lint/__main__.py removes it before anything else is imported;
modules Python itself imports before that, such as ``types``, are beyond its reach: ``python -P``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import BUGGY, ROOT, run_cli

pytestmark = pytest.mark.slow

CONSOLE_SCRIPT = Path(sys.executable).with_name("pvt-lint")


def plant(path: Path, sentinel: Path, guard: str = "") -> None:
    """A module that creates ``sentinel`` when imported (or, with ``guard``, when run as a script)."""
    body = f"open({str(sentinel)!r}, 'w').close()\n"
    if guard:
        body = f"{guard}\n    " + body
    path.write_text("import threading\nimport os\n" + body + "threading.Thread(target=print).start()\n")


def _run(command: list[str], cwd: Path):
    # PYTHONPATH names only the checkout: an empty entry would put the linted directory on sys.path
    # while Python starts (sitecustomize.py), before pvt-lint has any say.
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


def run_console_script(*args: str, cwd: Path):
    if not CONSOLE_SCRIPT.exists():
        pytest.skip("the pvt-lint console script is not installed next to this interpreter")
    return _run([str(CONSOLE_SCRIPT), *args], cwd)


def run_module(*args: str, cwd: Path):
    return _run([sys.executable, "-m", "pvt_lint", *args], cwd)


RUNNERS = {"console-script": run_console_script, "python-m": run_module}


@pytest.fixture(params=sorted(RUNNERS))
def cli(request):
    return RUNNERS[request.param]


def test_module_code_and_its_main_block_never_run(tmp_path, cli):
    sentinels = tmp_path / "sentinels"
    sentinels.mkdir()
    tree = tmp_path / "tree"
    tree.mkdir()
    plant(tree / "on_import.py", sentinels / "on_import")
    plant(tree / "as_script.py", sentinels / "as_script", guard='if __name__ == "__main__":')
    plant(tree / "__init__.py", sentinels / "package_init")
    plant(tree / "conftest.py", sentinels / "conftest")
    plant(tree / "setup.py", sentinels / "setup")
    (tree / "good.py").write_text(BUGGY)
    result = cli("--format", "json", "--no-cache", ".", cwd=tree)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert {f["path"] for f in json.loads(result.stdout)} == {"good.py"}
    assert result.stderr.splitlines() == ["1 finding in 6 files (0 files skipped)"]
    assert list(sentinels.iterdir()) == []


SHADOWS = ("string", "copy", "tomllib", "click", "libcst", "json", "ast", "tokenize", "fnmatch", "hashlib",
           "sitecustomize", "usercustomize", "pickle", "queue", "selectors", "signal", "typing_extensions")


def test_files_named_like_modules_pvt_lint_imports_are_never_imported(tmp_path, cli):
    # Twenty files to lint: enough for worker processes with -j 2 (they must not import from here either).
    sentinels = tmp_path / "sentinels"
    sentinels.mkdir()
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in SHADOWS:
        plant(tree / f"{name}.py", sentinels / name)
    for i in range(20):
        (tree / f"m{i:02}.py").write_text(BUGGY)
    result = cli("--format", "json", "--no-cache", "-j", "2", ".", cwd=tree)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    assert len(json.loads(result.stdout)) == 20
    assert result.stderr.splitlines() == [f"20 findings in {20 + len(SHADOWS)} files (0 files skipped)"]
    assert list(sentinels.iterdir()) == []


def test_weird_configuration_values_are_data_not_code(tmp_path, cli):
    sentinel = tmp_path / "sentinel"
    tree = tmp_path / "tree"
    tree.mkdir()
    command = f"touch {sentinel}"
    (tree / "backend.py").write_text(f"open({str(sentinel)!r}, 'w').close()\n")
    (tree / "pyproject.toml").write_text(f"""
[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[tool.pvt-lint]
exclude = ["$({command})", "`{command}`", "__import__('os').system('{command}')"]
per-file-ignores = {{ "*; {command}" = ["PVT101"], "{{{{7*7}}}}" = ["PVT"] }}
max-file-size = 1_000_000
""")
    (tree / "good.py").write_text(BUGGY)
    result = cli("--format", "json", "--no-cache", ".", cwd=tree)
    assert "Traceback" not in result.stderr
    assert (result.returncode, len(json.loads(result.stdout))) == (1, 1)

    (tree / "pyproject.toml").write_text(f'[tool.pvt-lint]\nselect = ["__import__(\'os\').system(\'{command}\')"]\n')
    result = cli("--no-cache", ".", cwd=tree)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("pvt-lint: error: ")
    assert "select" in result.stderr

    (tree / "pyproject.toml").write_text(f'[tool.pvt-lint]\nmax-file-size = "__import__(\'os\').system(\'{command}\')"\n')
    result = cli("--no-cache", ".", cwd=tree)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "max-file-size" in result.stderr
    assert not sentinel.exists()


@pytest.mark.parametrize("code", ["PVT999", "../../etc/passwd", "pvt_lint/repros/pvt101_buggy.py", "pvt101_buggy",
                                  "PVT101/../../x", "/bin/sh"])
def test_repro_runs_only_bundled_reproductions(tmp_path, code):
    result = run_cli("--repro", code, cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr == (
        f"pvt-lint: error: unknown rule code {code!r}; known codes: "
        + result.stderr.split("known codes: ", 1)[1]
    )
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_python_m_from_the_checkout_itself_keeps_the_workers_alive():
    # Run in the checkout, with nothing else naming it (no PYTHONPATH, no install needed): the current
    # directory is where pvt_lint lives, so it stays on sys.path; the spawned workers import pvt_lint
    # through that same sys.path. Removing it killed every worker ("the analysis process died").
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-m", "pvt_lint", "--no-cache", "-j", "2", "--statistics", "fixtures/projects"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert "not analysed" not in result.stderr, result.stderr
    in_process = run_cli("--no-cache", "-j", "1", "--statistics", "fixtures/projects")
    assert (result.returncode, result.stdout) == (in_process.returncode, in_process.stdout)
    assert result.stderr.splitlines()[-1].endswith("(0 files skipped)")
