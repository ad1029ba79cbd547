"""``--fix``, ``--unsafe-fixes`` and ``--fix-diff``: the fixes the rules attached to findings, applied to
the files (ruff's conventions: safe fixes by default, unsafe ones on request, a diff that writes nothing).

A file's fixes are applied together, in order, leaving out any that overlaps one before it (the next
pass, after a fresh analysis, finds what is left). A file is rewritten only when the result still compiles
where the original did, in its own encoding, and only if it did not change since it was read."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from ..findings import SAFE, Finding
from .rewrite import apply_edits, compiles, encoded_like, read_decoded, replace_file


@dataclass
class FileFix:
    path: str
    data: bytes  # the file as read
    text: str
    fixed: str
    count: int  # findings fixed


def applies(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.safety == SAFE or unsafe)


def plan(findings: Iterable[Finding], unsafe: bool) -> tuple[list[FileFix], list[str]]:
    """What fixing ``findings`` would change, file by file; and why a file is left alone."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if applies(finding, unsafe):
            by_path[finding.path].append(finding)
    out, problems = [], []
    for path in sorted(by_path):
        read = read_decoded(path)
        if isinstance(read, str):
            problems.append(f"{path}: not fixed: {read}")
            continue
        data, text = read
        fixed, count = apply_edits(text, [finding.fix.edits for finding in by_path[path]])
        if count and compiles(text, path) and not compiles(fixed, path):
            problems.append(f"{path}: not fixed: the fixed file would not compile")
            continue
        if count:
            out.append(FileFix(path, data, text, fixed, count))
    return out, problems


def write(fixes: list[FileFix]) -> tuple[int, list[str]]:
    """Write the fixed files; (findings fixed, problems)."""
    fixed, problems = 0, []
    for fix in fixes:
        data = encoded_like(fix.data, fix.fixed)
        if data is None:
            problems.append(f"{fix.path}: not fixed: the fix cannot be written in its encoding")
        elif not replace_file(fix.path, fix.data, data):
            problems.append(f"{fix.path}: not fixed: it changed while being linted")
        else:
            fixed += fix.count
    return fixed, problems


def unified_diff(fixes: list[FileFix]) -> str:
    """The fixes as one unified diff (``a/`` and ``b/`` prefixes, as git and ruff print them)."""
    out = []
    for fix in fixes:
        out.extend(difflib.unified_diff(fix.text.splitlines(keepends=True), fix.fixed.splitlines(keepends=True),
                                        f"a/{fix.path}", f"b/{fix.path}"))
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out)


PASSES = 10  # a fix can make room for another (overlapping ones wait for the next pass); ruff loops too


def fix_loop(report, lint, unsafe: bool, preview: bool):
    """Apply the fixes of ``report``'s findings, analyse afresh with ``lint()``, and again while fixes
    apply; with ``preview``, one pass that writes nothing. (the last report, findings fixed or fixable,
    the diff when previewing, problems)."""
    fixed, problems = 0, []
    for _ in range(PASSES):
        planned, found = plan(report.findings, unsafe)
        problems += found
        if preview:
            return report, sum(f.count for f in planned), unified_diff(planned), problems
        done, found = write(planned)
        problems += found
        if not done:
            break
        fixed += done
        report = lint()
    return report, fixed, "", problems
