"""``# noqa`` handling, applied once to a file's findings after analysis (flake8's syntax)."""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable, Optional

from .findings import Finding

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"[,\s]+")

ALL = None  # a bare ``# noqa`` suppresses every code on its line


def noqa_lines(text: str) -> dict[int, Optional[frozenset[str]]]:
    """Line -> suppressed code prefixes (None: all), read from real comments only."""
    out: dict[int, Optional[frozenset[str]]] = {}
    if "noqa" not in text.lower():
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = []
        for number, line in enumerate(text.splitlines(), start=1):
            if "#" in line:
                tokens.append(tokenize.TokenInfo(tokenize.COMMENT, line[line.index("#"):], (number, 0), (number, 0), line))
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _NOQA.search(token.string)
        if not match:
            continue
        codes = match.group("codes")
        line = token.start[0]
        if codes is None:
            out[line] = ALL
        elif out.get(line, frozenset()) is not ALL:
            found = frozenset(c.upper() for c in _SPLIT.split(codes.strip()) if c)
            out[line] = (out.get(line) or frozenset()) | found
    return out


def apply_noqa(findings: Iterable[Finding], text: str) -> list[Finding]:
    findings = list(findings)
    if not findings:
        return findings
    lines = noqa_lines(text)
    if not lines:
        return findings
    kept = []
    for finding in findings:
        if finding.line in lines:
            codes = lines[finding.line]
            if codes is ALL or any(finding.code.startswith(c) for c in codes):
                continue
        kept.append(finding)
    return kept
