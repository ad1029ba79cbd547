"""Reading libcst expressions: dotted names, assignment targets, names read, arguments, main guards."""

from __future__ import annotations

from operator import attrgetter
from typing import Iterable, Optional

import libcst as cst

from .. import apis
from ..apis import lock_like
from ..walk import code_children


def dotted(expr: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` -> "a.b.c", ``a.b()`` -> "a.b()"; None for anything else."""
    return apis.dotted(expr, _SPELLING)


_SPELLING = apis.Spelling(cst.Name, attrgetter("value"), cst.Attribute, attrgetter("attr.value"), cst.Call)


def target_root(expr: cst.BaseExpression) -> Optional[tuple[str, Optional[str], int]]:
    """(root name, first attribute, number of trailers) of an assignment target."""
    chain: list[cst.BaseExpression] = []
    node = expr
    while type(node) in _TRAILERS:  # exact classes: libcst's are ABCs, whose isinstance is slow
        chain.append(node)
        node = node.value
    if type(node) is not cst.Name:
        return None
    first = chain[-1] if chain else None
    attr = first.attr.value if type(first) is cst.Attribute else None
    return node.value, attr, len(chain)


_TRAILERS = frozenset({cst.Attribute, cst.Subscript})
_NAMED = frozenset({cst.Name, cst.Attribute, cst.Subscript})


def names_read(expr: cst.CSTNode) -> set[tuple[str, Optional[str]]]:
    """The (root, attr) pairs an expression reads, without descending into lambdas."""
    found: set[tuple[str, Optional[str]]] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Lambda:
            continue
        if kind in _NAMED:
            root = target_root(node)
            if root is not None:
                found.add((root[0], root[1]))
                found.add((root[0], None))
        stack.extend(code_children(node))
    return found


def lock_text(expr: cst.BaseExpression) -> Optional[str]:
    """The spelling of a ``with`` item as a lock: dotted, or ``self._locks[...]`` for one lock of a container."""
    if isinstance(expr, cst.Subscript):
        container = dotted(expr.value)
        return None if container is None else container + apis.ITEM
    return dotted(expr)


def is_lock_expr(expr: cst.BaseExpression) -> bool:
    """A ``with`` item that looks like a lock by its name, with or without arguments (values are checked at finalize)."""
    name = lock_text(expr)
    return name is not None and lock_like(name)


def flatten(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The single targets of a (nested, starred) tuple or list target."""
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[cst.BaseExpression] = []
        for element in target.elements:
            out.extend(flatten(element.value))
        return out
    if isinstance(target, cst.StarredElement):
        return flatten(target.value)
    return [target]


def names_bound(target: cst.BaseExpression) -> frozenset[str]:
    """The plain names a loop target binds: ``i`` and ``row`` of ``for i, (row, self.x) in ...``."""
    return frozenset(single.value for single in flatten(target) if isinstance(single, cst.Name))


def param_names(params: cst.Parameters) -> set[str]:
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


def first_param(node: cst.CSTNode) -> Optional[str]:
    """The first positional parameter of a ``def`` (``self``, ``cls``), if any."""
    if isinstance(node, cst.FunctionDef):
        positional = [*node.params.posonly_params, *node.params.params]
        if positional:
            return positional[0].name.value
    return None


def is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    comparison = test.comparisons[0]
    if not isinstance(comparison.operator, cst.Equal):
        return False
    sides = [test.left, comparison.comparator]
    names = [s.value for s in sides if isinstance(s, cst.Name)]
    strings = [s.evaluated_value for s in sides if isinstance(s, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]


def positional(args: Iterable[cst.Arg]) -> list[cst.Arg]:
    return [a for a in args if a.keyword is None and not a.star]


def arg(args, keyword, position: int) -> Optional[cst.BaseExpression]:
    """The argument passed as ``keyword`` (a name or several), else the one at ``position``."""
    keywords = (keyword,) if isinstance(keyword, str) else tuple(keyword)
    for found in args:
        if found.keyword is not None and found.keyword.value in keywords:
            return found.value
    given = positional(args)
    if 0 <= position < len(given):
        return given[position].value
    return None


def hands_on(node: cst.CSTNode, name: str) -> bool:
    """Does the function return ``name`` or assign it to another name (``return p``, ``q = p``)?"""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Return, cst.Assign)) and isinstance(current.value, cst.Name):
            if current.value.value == name:
                return True
        stack.extend(code_children(current))
    return False
