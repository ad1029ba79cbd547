"""``--add-noqa`` (ruff's): write a ``# noqa: CODE`` on the line of every finding, so that a codebase can
adopt pvt-lint at zero findings and fix them over time. The comment text is ``suppress.with_noqa``'s;
here each file is read, edited and written back whole, in its own encoding and line endings, only when
the result still compiles as the original did and the file did not change since it was read."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ..engine import SYNTAX_CODE
from ..findings import Finding
from ..suppress import UNUSED_NOQA_CODE, with_noqa
from .rewrite import compiles, encoded_like, read_decoded, replace_file

# A syntax error cannot be silenced by a comment on its line (the file does not parse), and a comment
# for an unused comment would be a comment about itself.
NOT_SUPPRESSED = frozenset({SYNTAX_CODE, UNUSED_NOQA_CODE})


def add_noqa(findings: Iterable[Finding]) -> tuple[int, list[str]]:
    """Add the comments for ``findings``; (how many comments were added or extended, warnings)."""
    wanted: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for finding in findings:
        if finding.code not in NOT_SUPPRESSED:
            wanted[finding.path][finding.line].add(finding.code)
    added, warnings = 0, []
    for path in sorted(wanted):
        count, problem = _one_file(path, wanted[path])
        added += count
        if problem:
            warnings.append(f"{path}: {problem}")
    return added, warnings


def _one_file(path: str, lines: dict[int, set[str]]) -> tuple[int, str]:
    read = read_decoded(path)
    if isinstance(read, str):
        return 0, f"not changed: {read}"
    data, text = read
    new_text, count, refused = with_noqa(text, lines)
    note = (f"no comment can end line{'s' if len(refused) > 1 else ''} {', '.join(map(str, refused))} "
            "(inside a string or a continued line): add it by hand") if refused else ""
    if not count:
        return 0, note
    if not compiles(new_text, path):
        return 0, "not changed: the comments would not compile"
    new_data = encoded_like(data, new_text)
    if new_data is None:
        return 0, "not changed: the comments cannot be written in its encoding"
    return (count, note) if replace_file(path, data, new_data) else (0, "not changed: it changed while being linted")
