"""The layers of STYLE.md hold and no modules of pvt_lint import each other in a cycle: the real
``lint-imports`` with the contracts in pyproject.toml, and grimp's graph of single modules (a package's
``__init__`` included, which a check between siblings does not see). Each check also runs on a copy of
the package with one bad import added, to show that it fails when it should."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

pytestmark = pytest.mark.slow

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

# Tarjan's strongly connected components over grimp's import graph: every group of modules that import
# each other, directly or through others (a module importing itself counts too).
CYCLES = """
import json, sys, grimp
graph = grimp.build_graph("pvt_lint", cache_dir=None)  # no cache: nothing written where it runs
index, low, stack, on_stack, groups = {}, {}, [], set(), []
def visit(module):
    index[module] = low[module] = len(index)
    stack.append(module)
    on_stack.add(module)
    for other in sorted(graph.find_modules_directly_imported_by(module)):
        if other not in index:
            visit(other)
            low[module] = min(low[module], low[other])
        elif other in on_stack:
            low[module] = min(low[module], index[other])
    if low[module] == index[module]:
        group = []
        while True:
            other = stack.pop()
            on_stack.discard(other)
            group.append(other)
            if other == module:
                break
        if len(group) > 1 or module in graph.find_modules_directly_imported_by(module):
            groups.append(sorted(group))
sys.setrecursionlimit(10000)
for module in sorted(graph.modules):
    if module not in index:
        visit(module)
print(json.dumps(sorted(groups)))
"""


def _run(command: list[str], project: Path) -> subprocess.CompletedProcess:
    # The project directory first on the path: its pvt_lint is the one analysed, not the installed one.
    env = dict(os.environ, PYTHONPATH=str(project))
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)


def lint_imports(project: Path = ROOT) -> subprocess.CompletedProcess:
    return _run([str(LINT_IMPORTS), "--no-cache"], project)


def module_cycles(project: Path = ROOT) -> list[list[str]]:
    result = _run([sys.executable, "-c", CYCLES], project)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the project's package and contracts, with ``line`` appended to ``module`` (a path)."""
    shutil.copytree(ROOT / "pvt_lint", tmp_path / "pvt_lint", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / module, "a", encoding="utf-8") as handle:
        handle.write(f"\n{line}\n")
    return tmp_path


def test_the_contracts_hold():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_no_module_imports_itself_back():
    assert module_cycles() == []


def test_an_engine_that_imports_the_runner_breaks_the_layers(tmp_path):
    project = copy_with(tmp_path, "pvt_lint/engine.py", "from .runner import lint_paths")
    result = lint_imports(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "faces -> runner -> engine -> rules -> model -> registry BROKEN" in result.stdout
    assert "pvt_lint.engine -> pvt_lint.runner" in result.stdout


def test_two_runner_modules_that_import_each_other_are_a_cycle(tmp_path):
    project = copy_with(tmp_path, "pvt_lint/runner/report.py", "from . import run")
    result = lint_imports(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "No cycles are allowed in pvt_lint.runner." in result.stdout
    assert any({"pvt_lint.runner.report", "pvt_lint.runner.run"} <= set(group) for group in module_cycles(project))


def test_a_module_that_imports_its_own_package_back_is_a_cycle(tmp_path):
    # runner/__init__ imports run: run importing the package is a cycle no contract between siblings sees.
    project = copy_with(tmp_path, "pvt_lint/runner/run.py", "from . import Report as _")
    assert any({"pvt_lint.runner", "pvt_lint.runner.run"} <= set(group) for group in module_cycles(project))


def test_every_module_is_under_450_lines_and_every_class_under_300():
    # Small modules, plain names (STYLE.md, issue 14): a module past these sizes is a seam not yet cut.
    import ast

    too_big = []
    for path in sorted((ROOT / "pvt_lint").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) >= 450:
            too_big.append((str(path.relative_to(ROOT)), len(text.splitlines())))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 300:
                too_big.append((f"{path.relative_to(ROOT)}:{node.name}", node.end_lineno - node.lineno + 1))
    assert too_big == []
