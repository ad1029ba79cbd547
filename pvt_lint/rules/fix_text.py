"""What the fixes that move or re-indent whole statements ask of the code they move."""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

from ..walk import code_children

_CODE = cst.Module([])


@lru_cache(maxsize=1024)
def code_of(node: cst.CSTNode) -> str:
    """``node``'s code as libcst prints it alone, printed once per node: nodes never change, and the
    language server's parses of one document share the statements an edit left alone (reparse.py)."""
    return _CODE.code_for_node(node)


def comments_above(node) -> int:
    """How many comment lines directly above statement ``node`` lead into it (they move with it)."""
    count = 0
    for empty in reversed(node.leading_lines):
        if empty.comment is None:
            break
        count += 1
    return count


def multiline_string(node: cst.CSTNode) -> bool:
    """Does ``node`` hold a triple-quoted string, whose lines a change of indentation would change?"""
    code = code_of(node)
    return '"""' in code or "'''" in code


def names_in(node: cst.CSTNode) -> set[str]:
    """Every plain name in ``node``, not attribute names after a dot nor keyword argument names."""
    out, stack = set(), [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            out.add(current.value)
        elif isinstance(current, (cst.Attribute, cst.Arg)):
            stack.append(current.value)
        else:
            stack.extend(code_children(current))
    return out
