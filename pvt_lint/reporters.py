"""Output formats. The only place where columns become 1-based."""

from __future__ import annotations

import json
from collections import Counter
from typing import Callable, Sequence

from .findings import WARNING, Finding

FORMATS: dict[str, Callable[[Sequence[Finding]], str]] = {}


def reporter(name: str):
    def register(function):
        FORMATS[name] = function
        return function

    return register


@reporter("text")
def text(findings: Sequence[Finding]) -> str:
    """flake8/ruff convention: ``path:line:col: CODE message`` with a 1-based column."""
    return "".join(f"{f.path}:{f.line}:{f.column + 1}: {f.code} {f.message}\n" for f in findings)


@reporter("json")
def json_report(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


@reporter("github")
def github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's diff."""
    lines = []
    for f in findings:
        level = "warning" if f.severity == WARNING else "error"
        props = (
            f"file={_escape_property(f.path)},line={f.line},col={f.column + 1},"
            f"endLine={f.end_line or f.line},endColumn={(f.end_column if f.end_line else f.column) + 1},"
            f"title={_escape_property(f'{f.code} {f.name}')}"
        )
        lines.append(f"::{level} {props}::{_escape_data(f.message)}\n")
    return "".join(lines)


def statistics(findings: Sequence[Finding]) -> str:
    counts = Counter((f.code, f.name) for f in findings)
    return "".join(f"{n:<5} {code} {name}\n" for (code, name), n in sorted(counts.items()))
