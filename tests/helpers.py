"""What several test modules share: paths, a small buggy module, the real CLI in a subprocess, the
engine properties the fuzz tests check, and the sources the walk and positions tests compare.

Test modules import from here, never from each other or from conftest (which holds fixtures only).
"""

from __future__ import annotations

import functools
import tempfile

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst

from pvt_lint.engine import build_model
from pvt_lint.model import ModuleModel
from pvt_lint.model.summary import ModuleSummary
from pvt_lint.model.summary_build import summarize
from pvt_lint.runner.project.layout import discover

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# A module with one PVT101 (line 4, column 5): the smallest real finding, for CLI and input tests.
BUGGY = """import multiprocessing
data = []
def worker():
    data.append(1)
if __name__ == "__main__":
    multiprocessing.Process(target=worker).start()
"""

# The README's first example as the PVT101 docs lay it out (one statement a line; PVT101 at line 7), as the
# pre-commit and GitHub Action tests lint it.
README_EXAMPLE = """\
import multiprocessing

results = []


def worker(n):
    results.append(n * n)


if __name__ == "__main__":
    p = multiprocessing.Process(target=worker, args=(3,))
    p.start()
    p.join()
"""


def run_cli(*args: str, cwd: Path | str | None = None, input: str | None = None, timeout: float = 120):
    """Run the real ``pvt-lint`` command line in a subprocess (in the checkout unless ``cwd``).

    A run that lints files under the checkout passes ``--no-cache`` or a temporary ``--cache-dir``:
    tests never write into the checkout.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "pvt_lint", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        input=input,
        timeout=timeout,
        env=env,
    )


def pyproject_urls() -> dict[str, str]:
    """``[project.urls]`` of the checkout's pyproject.toml: the one place the project's address is written."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]


def fixture_tree(tmp_path: Path, copies: int) -> Path:
    """``copies`` copies of the fixtures under ``tmp_path/tree`` (``copy0``, ``copy1``...)."""
    tree = tmp_path / "tree"
    for n in range(copies):
        shutil.copytree(FIXTURES, tree / f"copy{n}")
    return tree


# ---- the engine's properties (test_fuzz.py, test_mutation_fuzz.py, benchmarks/fuzz.py) ----------------

# Appended to a program: nothing (most programs then stop at the prefilter), or a dispatch of
# whatever ``f`` is, which sends the program through libcst, the model and every rule.
TAILS = (
    "",
    "\nimport threading, multiprocessing\nthreading.Thread(target=f).start()\nmultiprocessing.Process(target=f).start()\n",
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def property_failures(source: str | bytes, *, compiles: bool = False, config=None) -> list[str]:
    """What is wrong with the engine's answer for ``source``; [] when every property holds."""
    from pvt_lint import engine
    from pvt_lint.config import Config

    config = config or Config()
    try:
        first = engine.analyse(source, "fuzz.py", config)
        second = engine.analyse(source, "fuzz.py", config)
    except Exception as exc:  # the property under test: nothing escapes analyse
        return [f"analyse raised {type(exc).__name__}: {exc}"]
    problems = []
    if first != second:
        problems.append(f"two runs differ: {first!r} != {second!r}")
    text, problem = engine.decode(source)
    if problem is not None:  # undecodable: positions are measured in the raw bytes, one per character
        text = source.decode("latin-1") if isinstance(source, bytes) else source
    lines = _LINE_BREAK.split(text)
    for finding in first.findings:
        places = [(finding.line, finding.column)]
        if finding.end_line:
            places.append((finding.end_line, finding.end_column))
            if (finding.end_line, finding.end_column) < (finding.line, finding.column):
                problems.append(f"{finding.code} ends before it starts: {finding}")
        places.extend((r.line, r.column) for r in finding.related)
        for line, column in places:
            if not 1 <= line <= len(lines) or not 0 <= column <= len(lines[line - 1]):
                problems.append(f"{finding.code} at {line}:{column} is outside the file: {finding.message}")
        if compiles and finding.code == engine.SYNTAX_CODE:
            problems.append(f"CPython compiles it, yet {finding.code}: {finding.message}")
    return problems


def check_program(program: str, *, compiles: bool) -> list[str]:
    """The properties for ``program`` with each tail, as the bytes a file would hold."""
    problems = []
    for tail in TAILS:
        source = program + tail
        try:
            data: str | bytes = source.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: no file can hold them, lint the text
            data = source
        problems += property_failures(data, compiles=compiles)
    return problems


def compiles(source: str) -> bool:
    try:
        compile(source, "fuzz.py", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


# ---- sources the walk and positions equivalence tests compare with libcst ------------------------------

SOURCES = sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "pvt_lint").rglob("*.py"))

ODD = [
    "x = 1",  # no trailing newline
    "",
    "\n\n",
    "if a:\r\n    b = (1,\r\n         2)\r\nelse:\r    c = '''\r\n'''\r",
    "@dec\nclass A(B, metaclass=M):\n    def f(self, *a, **k) -> 'T':\n        return f'{a!r:>{k}}'\n",
    "async def f():\n    async with a as b, c:\n        await x\n    async for i in y: yield i\n",
    "match p:\n    case [1, *rest] if rest:\n        pass\n    case {'k': v, **kw}:\n        pass\n",
    "def f[T](x: T) -> T:\n    return x\ntype A = list[int]\n",
    "lambda: (yield)\nx = [i for i in range(3) if i]\ny = {**a, 'b': 1}\nglobal g; del g[0]\n",
    "try:\n    pass\nexcept* ValueError as e:\n    raise X from e\nfinally:\n    pass\n",
    "\ufeffx = 'é'  # comment\nif y:\n\tpass\n",
]


def parsable_text(path) -> str:
    """A source file's text, or a skip for the PVT000 fixtures libcst cannot parse."""
    import libcst as cst
    import pytest

    from pvt_lint.engine import decode

    text, _ = decode(path.read_bytes())
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError:
        pytest.skip("does not parse (a PVT000 fixture)")
    return text


# ---- labels ------------------------------------------------------------------------------------

LABEL = re.compile(r"#\s*expect:\s*(?P<codes>PVT\d{3}(?:\s*,\s*PVT\d{3})*)")


def expected(text: str) -> set[tuple[int, str]]:
    out = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = LABEL.search(line)
        if match:
            for code in match.group("codes").split(","):
                out.add((number, code.strip()))
    return out


# ---- model -------------------------------------------------------------------------------------


def build(source: str) -> ModuleModel:
    return build_model(cst.parse_module(textwrap.dedent(source)))


def sites(model: ModuleModel) -> list[tuple]:
    """(line, context, api, role, form, target, concurrent) for every dispatch site."""
    return sorted(
        (s.line, s.context, s.api, s.role, s.form, s.target, s.concurrent) for s in model.dispatches
    )


def refs(model: ModuleModel, function: str) -> list[tuple]:
    """(line, kind, state kind, state name, owner, in place, locks) for a function's writes."""
    fn = model.functions[function]
    return [
        (a.line, a.kind, a.ref.kind, a.ref.name, a.ref.owner, a.in_place, tuple(sorted(model.effective_locks(a))))
        for a in fn.accesses
    ]


# ---- project -----------------------------------------------------------------------------------


PROJECTS = FIXTURES / "projects"
PROJECT_NAMES = sorted(p.name for p in PROJECTS.iterdir() if p.is_dir())


_PROJECT_COPIES = tempfile.TemporaryDirectory(prefix="pvt-lint-projects-")


@functools.lru_cache(maxsize=None)
def project_copy(name: str) -> Path:
    """A fixture project copied out of the checkout with a ``pyproject.toml``, so that it is its own
    root (inside the checkout, the root would be pvt-lint's own)."""
    target = Path(_PROJECT_COPIES.name) / name
    shutil.copytree(PROJECTS / name, target)
    (target / "pyproject.toml").write_text("", encoding="utf-8")
    return target


def finding_in_fixture(finding, name: str):
    """A finding on a project copy, with the path of the fixture file it stands for."""
    import dataclasses

    path = PROJECTS / name / Path(finding.path).resolve().relative_to(project_copy(name).resolve())
    return dataclasses.replace(finding, path=str(path))


@functools.lru_cache(maxsize=None)
def project_run(name: str) -> dict[Path, tuple]:
    """The real runner over one fixture project (a copy, its own root): findings by fixture file,
    every Python file of the project present."""
    from pvt_lint.config import Config
    from pvt_lint.runner import lint_paths

    copy = project_copy(name)
    report = lint_paths([str(copy)], Config(root=str(copy)))
    out: dict[Path, list] = {path: [] for path in sorted((PROJECTS / name).rglob("*.py"))}
    for finding in report.findings:
        finding = finding_in_fixture(finding, name)
        out.setdefault(Path(finding.path), []).append(finding)
    return {path: tuple(findings) for path, findings in out.items()}


def project_findings(project: Path, config=None) -> list:
    """Every finding of a fixture project, judged as the runner judges a project: a summary per module,
    the project stage over them, then the engine on each file with that module's facts. Paths are
    relative to ``project`` (``shop/tasks.py``), as the sites in messages name them."""
    from pvt_lint import engine
    from pvt_lint.config import Config
    from pvt_lint.runner.project.stage import project_facts

    layout = discover(project)
    paths = {name: path.relative_to(project).as_posix() for name, path in layout.modules.items()}
    facts = project_facts(summaries_of(project), paths=paths)
    findings = []
    for name, path in sorted(layout.modules.items()):
        source = path.read_bytes()
        result = engine.analyse(source, paths[name], config or Config(), facts=facts.for_module(name))
        findings.extend(result.findings)
    return sorted(findings, key=lambda f: f.sort_key())


def summaries_of(project: Path) -> dict[str, ModuleSummary]:
    layout = discover(project)
    out = {}
    for name, path in layout.modules.items():
        tree = cst.parse_module(path.read_text(encoding="utf-8"))
        out[name] = summarize(build_model(tree), name, layout.is_package(name), tree)
    return out
