"""``# noqa`` handling, applied once to a file's findings after analysis; the CLI and the flake8
plugin both apply it, so a comment means the same under either (issue 18).

- ``# noqa`` / ``# noqa: PVT101,PVT2`` on a line: as flake8 reads it, and as leniently as ruff
  (``#noqa``, ``# NOQA:pvt101``, spaces or commas between codes; a code prefix suppresses its family);
- ``# pvt-lint: noqa`` on a line of its own: the whole file; ``# pvt-lint: noqa: PVT1`` those codes in
  the whole file (ruff's ``# ruff: noqa: F401``);
- ``# flake8: noqa`` on a line of its own: the whole file, with or without codes after it, because
  that is what flake8 itself does with it.
"""

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


# Like flake8's own file directive, only at the start of a line (after indentation).
_FILE_NOQA = re.compile(
    r"^[ \t]*#[ \t]*(?:(?P<flake8>flake8)|pvt-lint)[:=][ \t]*noqa"
    r"(?::[ \t]?(?P<codes>[A-Z]+[0-9]*(?:[, \t]+[A-Z]+[0-9]*)*))?",
    re.IGNORECASE | re.MULTILINE,
)


def file_noqa(text: str) -> Optional[frozenset[str]] | bool:
    """What a file-level directive suppresses: True (everything), code prefixes, or False (nothing)."""
    codes: set[str] = set()
    for match in _FILE_NOQA.finditer(text):
        if match.group("flake8") or match.group("codes") is None:
            return True
        codes.update(c.upper() for c in _SPLIT.split(match.group("codes").strip()) if c)
    return frozenset(codes) if codes else False


def apply_noqa(findings: Iterable[Finding], text: str) -> list[Finding]:
    findings = list(findings)
    if not findings or "noqa" not in text.lower():
        return findings
    whole_file = file_noqa(text)
    if whole_file is True:
        return []
    if whole_file:
        findings = [f for f in findings if not any(f.code.startswith(c) for c in whole_file)]
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
