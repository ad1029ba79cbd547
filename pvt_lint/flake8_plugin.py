"""The flake8 plugin: a thin adapter over the same engine the CLI runs.

flake8 owns everything around the rules: which files are read, ``--select``/``--extend-ignore``/
``per-file-ignores`` and the output format. The plugin therefore enables every rule. Suppression
comments are the exception: the plugin applies pvt-lint's own ``# noqa`` grammar (suppress.py) before
flake8 applies its stricter one, so ``# NOQA:pvt101`` and ``# pvt-lint: noqa`` mean under flake8 what
they mean to the CLI (issue 18). flake8's ``--disable-noqa`` turns both off.

Project facts come from the runner's project stage (``runner.facts_for_file``): once per project root
in a flake8 process, through the result cache, with the project's ``[tool.pvt-lint]`` ``src`` and
``process-starters``; the file is then analysed with its module's facts, as the CLI analyses it.

A file that does not parse never reaches the plugin: flake8 reports it as E999 and runs no
AST plugin on it. The CLI reports the same file as PVT000 on the same line; the plugin never
yields PVT000, so a syntax error is reported once, under flake8's own code.
"""

from __future__ import annotations

import ast
import os
from typing import Iterator, Optional, Sequence

from . import __version__
from .config import Config, find_pyproject, load_config
from .engine import SYNTAX_CODE, analyse
from .findings import Finding
from .runner import facts_for_file
from .runner.cache import open_cache
from .suppress import UNUSED_NOQA_CODE

# Every rule on: selection belongs to flake8 (``--select PVT``, ``extend-select``). PVT001 is the exception,
# off unless flake8's selection names it by more than "PVT", as in the CLI (``Plugin.parse_options``).
_ALL_RULES = Config()
_WITH_UNUSED_NOQA = Config(select=("PVT", UNUSED_NOQA_CODE))


def findings_for_flake8(
    source: str, filename: str, tree: Optional[ast.Module] = None, project: bool = True, *, noqa: bool = True,
    unused_noqa: bool = False,
) -> list[Finding]:
    """The engine's findings for one file, after pvt-lint's ``# noqa`` handling, without PVT000."""
    options: dict = {}
    if project and filename not in ("stdin", "-", "<stdin>") and os.path.isfile(filename):
        module, is_package, facts = facts_for_file(filename, *_project_config(filename))
        if facts is not None:
            options = {"module": module, "is_package": is_package, "facts": facts}
    # A file that does not decode or parse is flake8's E999, not a PVT finding.
    config = _WITH_UNUSED_NOQA if unused_noqa and noqa else _ALL_RULES
    result = analyse(source, filename, config, noqa=noqa, tree=tree, **options)
    return [f for f in result.findings if f.code != SYNTAX_CODE]


def _project_config(filename: str):
    """The configuration and cache the CLI would use for this file (only its project keys matter:
    selection belongs to flake8)."""
    found = find_pyproject(filename)
    config = load_config(found) if found is not None else Config(root=os.getcwd())
    config = config.replace(select=_ALL_RULES.select, ignore=(), per_file_ignores=())
    cache = None if os.environ.get("PVT_LINT_NO_CACHE") else open_cache(config)
    return config, cache


class Plugin:
    """flake8 AST plugin: flake8's own AST of the file stands in for the engine's CPython parse."""

    name = "pvt-lint"
    version = __version__
    disable_noqa = False
    unused_noqa = False

    @classmethod
    def parse_options(cls, options) -> None:
        """flake8 hands every plugin its options: ``--disable-noqa`` turns pvt-lint's grammar off too."""
        cls.disable_noqa = bool(getattr(options, "disable_noqa", False))
        # PVT001 when --select or --extend-select names it by more than "PVT" (PVT0, PVT00, PVT001).
        named = [*(getattr(options, "select", None) or ()), *(getattr(options, "extend_select", None) or ())]
        cls.unused_noqa = any(len(c) > len("PVT") and UNUSED_NOQA_CODE.startswith(c.upper()) for c in named)

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.tree = tree if isinstance(tree, ast.Module) else None
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        # flake8 has already decoded the file and stripped a BOM; the lines keep their endings.
        source = "".join(self.lines)
        for finding in findings_for_flake8(source, self.filename, self.tree, noqa=not self.disable_noqa,
                                           unused_noqa=self.unused_noqa):
            # flake8 columns are 0-based, as the engine's are.
            yield finding.line, finding.column, f"{finding.code} {finding.message}", type(self)
