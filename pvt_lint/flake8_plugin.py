"""The flake8 plugin: a thin adapter over the same engine the CLI runs.

flake8 owns everything around the rules: which files are read, ``--select``/``--extend-ignore``/
``per-file-ignores`` and the output format. The plugin therefore enables every rule. Suppression
comments are the exception: the plugin applies pvt-lint's own ``# noqa`` grammar (suppress.py) before
flake8 applies its stricter one, so ``# NOQA:pvt101`` and ``# pvt-lint: noqa`` mean under flake8 what
they mean to the CLI (issue 18). flake8's ``--disable-noqa`` turns both off.

A file that does not parse never reaches the plugin: flake8 reports it as E999 and runs no
AST plugin on it. The CLI reports the same file as PVT000 on the same line; the plugin never
yields PVT000, so a syntax error is reported once, under flake8's own code.
"""

from __future__ import annotations

import ast
from typing import Iterator, Optional, Sequence

from . import __version__
from .config import Config
from .engine import SYNTAX_CODE, analyse
from .findings import Finding

# Every rule on: selection belongs to flake8 (``--select PVT``, ``extend-select``).
_ALL_RULES = Config()


def findings_for_flake8(
    source: str, filename: str, tree: Optional[ast.Module] = None, *, noqa: bool = True
) -> list[Finding]:
    """The engine's findings for one file, after pvt-lint's ``# noqa`` handling, without PVT000."""
    # A file that does not decode or parse is flake8's E999, not a PVT finding.
    result = analyse(source, filename, _ALL_RULES, noqa=noqa, tree=tree)
    return [f for f in result.findings if f.code != SYNTAX_CODE]


class Plugin:
    """flake8 AST plugin: flake8's own AST of the file stands in for the engine's CPython parse."""

    name = "pvt-lint"
    version = __version__
    disable_noqa = False

    @classmethod
    def parse_options(cls, options) -> None:
        """flake8 hands every plugin its options: ``--disable-noqa`` turns pvt-lint's grammar off too."""
        cls.disable_noqa = bool(getattr(options, "disable_noqa", False))

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.tree = tree if isinstance(tree, ast.Module) else None
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        # flake8 has already decoded the file and stripped a BOM; the lines keep their endings.
        source = "".join(self.lines)
        for finding in findings_for_flake8(source, self.filename, self.tree, noqa=not self.disable_noqa):
            # flake8 columns are 0-based, as the engine's are.
            yield finding.line, finding.column, f"{finding.code} {finding.message}", type(self)
