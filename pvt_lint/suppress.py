"""``# noqa`` handling, applied once to a file's findings after analysis; the CLI and the flake8
plugin both apply it, so a comment means the same under either (issue 18).

- ``# noqa`` / ``# noqa: PVT101,PVT2`` on a line: as flake8 reads it, and as leniently as ruff
  (``#noqa``, ``# NOQA:pvt101``, spaces or commas between codes; a code prefix suppresses its family);
- ``# pvt-lint: noqa`` on a line of its own: the whole file; ``# pvt-lint: noqa: PVT1`` those codes in
  the whole file (ruff's ``# ruff: noqa: F401``);
- ``# flake8: noqa`` on a line of its own: the whole file, with or without codes after it, because
  that is what flake8 itself does with it.

With ``PVT001`` selected, a line's ``# noqa: PVT...`` whose PVT codes suppressed nothing is itself a
finding (ruff's RUF100). A bare ``# noqa`` and other tools' codes are never reported: they may serve
flake8 or another linter, which pvt-lint cannot see.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from .findings import WARNING, Finding
from .links import rule_url

UNUSED_NOQA_CODE = "PVT001"
UNUSED_NOQA_NAME = "unused-noqa"

_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"[,\s]+")

ALL = None  # a bare ``# noqa`` suppresses every code on its line


@dataclass(frozen=True)
class Directive:
    """One line's ``# noqa``: where it is (0-based columns) and what it suppresses (None: all)."""

    line: int
    column: int
    end_column: int
    codes: Optional[frozenset[str]]
    listed: tuple[str, ...] = ()  # the codes as written, in order (upper-cased)


def directives(text: str) -> list[Directive]:
    """Every line ``# noqa``, read from real comments only (the whole line when tokenizing fails)."""
    out: list[Directive] = []
    if "noqa" not in text.lower():
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        tokens = []
        for number, line in enumerate(text.splitlines(), start=1):
            if "#" in line:
                at = line.index("#")
                tokens.append(tokenize.TokenInfo(tokenize.COMMENT, line[at:], (number, at), (number, len(line)), line))
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _NOQA.search(token.string)
        if not match:
            continue
        codes = match.group("codes")
        listed = tuple(c.upper() for c in _SPLIT.split(codes.strip()) if c) if codes is not None else ()
        start = token.start[1] + match.start()
        out.append(Directive(token.start[0], start, token.start[1] + match.end(),
                             None if codes is None else frozenset(listed), listed))
    return out


def _by_line(found: list[Directive]) -> dict[int, Optional[frozenset[str]]]:
    """Line -> suppressed code prefixes (None: all), from a file's ``directives``."""
    out: dict[int, Optional[frozenset[str]]] = {}
    for directive in found:
        if directive.codes is None:
            out[directive.line] = ALL
        elif out.get(directive.line, frozenset()) is not ALL:
            out[directive.line] = (out.get(directive.line) or frozenset()) | directive.codes
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


def apply_noqa(
    findings: Iterable[Finding], text: str, selects: Optional[Callable[[str], bool]] = None, path: str = ""
) -> list[Finding]:
    """The findings no comment suppresses. With ``selects`` (given when PVT001 is enabled: does a code
    prefix select an enabled rule for this file?), plus a PVT001 for every ``# noqa: PVT...`` with a
    PVT code that suppressed nothing."""
    findings = list(findings)
    if "noqa" not in text.lower() or (not findings and selects is None):
        return findings
    whole_file = file_noqa(text)
    if whole_file is True:
        return []
    if whole_file:
        findings = [f for f in findings if not _covered(f.code, whole_file)]
    found = directives(text)
    if not found:
        return findings
    lines = _by_line(found)
    kept, used = [], set()  # used: (line, code prefix) pairs that suppressed a finding
    for finding in findings:
        codes = lines.get(finding.line, frozenset())
        if codes is ALL:
            continue
        matched = [c for c in codes if finding.code.startswith(c)]
        if matched:
            used.update((finding.line, c) for c in matched)
            continue
        kept.append(finding)
    if selects is not None:
        unused = [_unused(d, used, selects, path) for d in found]
        kept += [u for u in unused if u is not None and not (whole_file and _covered(UNUSED_NOQA_CODE, whole_file))]
    return kept


def _covered(code: str, prefixes) -> bool:
    return any(code.startswith(c) for c in prefixes)


def _unused(directive: Directive, used: set, selects: Callable[[str], bool], path: str) -> Optional[Finding]:
    """The PVT001 of one directive, or None."""
    ours = [c for c in directive.listed if c.startswith("PVT")]
    if directive.codes is None or not ours or _covered(UNUSED_NOQA_CODE, ours):
        return None  # bare, others' codes only, or a directive that silences its own report
    unused = [c for c in ours if (directive.line, c) not in used]
    if not unused:
        return None
    idle = [c for c in unused if selects(c)]
    off = [c for c in unused if not selects(c)]
    parts = [f"{label}: {', '.join(f'`{c}`' for c in codes)}" for label, codes in (("unused", idle), ("non-enabled", off))
             if codes]
    return Finding(
        path=path, line=directive.line, column=directive.column, end_line=directive.line,
        end_column=directive.end_column, code=UNUSED_NOQA_CODE, name=UNUSED_NOQA_NAME,
        message=f"unused `noqa` directive ({'; '.join(parts)})", severity=WARNING, url=rule_url(UNUSED_NOQA_CODE),
    )


# ---- --add-noqa: the comments that suppress given findings, written into the text ----------------------
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # absent before Python 3.12
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)


def with_noqa(text: str, wanted: dict[int, set[str]]) -> tuple[str, int, list[int]]:
    """``text`` with ``# noqa: CODES`` on each line of ``wanted`` (line -> codes), as ruff's ``--add-noqa``
    writes it: appended after two spaces, or merged into the line's ``# noqa: ...`` list; a bare ``# noqa``
    already covers every code. Returns the new text, how many lines changed, and the lines that cannot
    hold a comment (the line ends inside a string, or continues with a backslash), left as they were."""
    lines = text.split("\n")  # as the tokenizer numbers lines; "\r" stays with its line
    comments: dict[int, tokenize.TokenInfo] = {}
    inside: set[int] = set()  # lines that end inside a multi-line string
    opened: list[int] = []  # the lines where the f-strings now open start (Python 3.12+ tokens)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                comments[token.start[0]] = token
            elif token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))
            elif token.type == _FSTRING_START:
                opened.append(token.start[0])
            elif token.type == _FSTRING_END and opened:
                inside.update(range(opened.pop(), token.end[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return text, 0, sorted(wanted)
    changed, refused = 0, []
    for number in sorted(wanted):
        codes = {c.upper() for c in wanted[number]}
        if not codes or not 1 <= number <= len(lines):
            continue
        line = lines[number - 1]
        body, cr = (line[:-1], "\r") if line.endswith("\r") else (line, "")
        comment = comments.get(number)
        if number in inside or (comment is None and body.rstrip().endswith("\\")):
            refused.append(number)
            continue
        if comment is None:
            lines[number - 1] = f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}{cr}"
            changed += 1
            continue
        match = _NOQA.search(comment.string)
        if match is not None and match.group("codes") is None:
            continue  # a bare noqa suppresses them already
        start = comment.start[1]
        if match is None:
            lines[number - 1] = f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}{cr}"
            changed += 1
            continue
        present = [c.upper() for c in _SPLIT.split(match.group("codes").strip()) if c]
        missing = sorted(c for c in codes if not any(c.startswith(p) for p in present))
        if not missing:
            continue
        merged = ", ".join(present + missing)
        at, end = start + match.start("codes"), start + match.end("codes")
        lines[number - 1] = f"{body[:at]}{merged}{body[end:]}{cr}"
        changed += 1
    return "\n".join(lines), changed, refused
