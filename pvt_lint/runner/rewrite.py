"""Rewriting a linted file (``--add-noqa``, ``--fix``): edits applied to its text, and the new bytes
written atomically, in the file's own encoding, only when its content is still what was read."""

from __future__ import annotations

import ast
import os
import tempfile
import tokenize
from io import BytesIO
from typing import Iterable, Optional

from ..engine import decode
from ..findings import Edit


def apply_edits(text: str, groups: Iterable[tuple[Edit, ...]]) -> tuple[str, int]:
    """``text`` with each group of edits applied (a group is one fix: all of its edits or none), every
    position read in the original text (1-based lines, 0-based columns, lines split at ``\\n``). A group
    that overlaps one taken before it, or reaches outside the text, is left out for a later pass.
    Returns the new text and how many groups were applied."""
    lines = text.split("\n")
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1

    def span(edit: Edit) -> Optional[tuple[int, int]]:
        if not (1 <= edit.line <= edit.end_line <= len(lines)):
            return None
        begin, end = starts[edit.line - 1] + edit.column, starts[edit.end_line - 1] + edit.end_column
        return (begin, end) if begin <= end <= len(text) else None

    taken: list[tuple[int, int, str]] = []
    count = 0
    for group in sorted(groups, key=lambda g: min((e.line, e.column) for e in g) if g else (0, 0)):
        spans = [span(edit) for edit in group]
        if not group or None in spans:
            continue
        mine = sorted((b, e, edit.content) for (b, e), edit in zip(spans, group))
        if any(b1 < e0 and b0 < e1 or b1 == b0 for b0, e0, _ in taken for b1, e1, _ in mine):
            continue
        if any(mine[i][1] > mine[i + 1][0] for i in range(len(mine) - 1)):
            continue
        taken.extend(mine)
        count += 1
    out, cursor = [], 0
    for begin, end, content in sorted(taken):
        out.append(text[cursor:begin])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out), count


def read_decoded(path: str) -> tuple[bytes, str] | str:
    """A linted file's bytes and its text as Python decodes it, or why it cannot be had (one phrase)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return str(exc.strerror or exc)
    text, problem = decode(data)
    return (data, text) if problem is None else "it does not decode"


def compiles(text: str, path: str) -> bool:
    """Does ``text`` parse as Python (no bytecode made)?"""
    try:
        compile(text, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def encoded_like(data: bytes, text: str) -> Optional[bytes]:
    """``text`` in the encoding ``data`` declares (BOM and coding cookie kept), or None if it cannot be."""
    try:
        encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
        return text.encode(encoding)
    except (SyntaxError, UnicodeEncodeError, LookupError):
        return None


def replace_file(path: str, old: bytes, new: bytes) -> bool:
    """Write ``new`` over ``path`` atomically, keeping its mode, unless its content is no longer ``old``."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(prefix=".pvt-lint-", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(new)
        os.chmod(temp, os.stat(path).st_mode & 0o7777)
        with open(path, "rb") as current:
            if current.read() != old:
                os.unlink(temp)
                return False
        os.replace(temp, path)
        return True
    except BaseException:
        discard(temp)
        raise


def discard(temp) -> None:
    """Remove a temporary file a write left behind, if it is there (an interrupted or failed write)."""
    try:
        os.unlink(temp)
    except OSError:
        pass
