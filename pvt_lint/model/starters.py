"""Judging a call against the registry's third-party process starters (``apis.THIRD_PARTY_PROCESS_STARTERS``).

The standard library's starters are in ``apis`` (``PROCESS_STARTING_CALLS``, ``POOL_CONSTRUCTORS``,
``PROCESS_CLASSES``). These are the libraries whose calls start processes out of sight: a script that
calls them at import time, without a main guard, re-runs itself in every spawned worker (PVT103).
Each entry says when the call starts processes, judged from literal arguments only: an argument that
is not a literal leaves the call out (precision first). The table is in the registry
(``apis.THIRD_PARTY_PROCESS_STARTERS``); this module reads a call's arguments against it.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..apis import THIRD_PARTY_PROCESS_STARTERS


def third_party_start(qualname: Optional[str], call: cst.Call) -> Optional[str]:
    """What a call to a known third-party starter does, if these arguments make it start processes."""
    starter = THIRD_PARTY_PROCESS_STARTERS.get(qualname or "")
    if starter is None:
        return None
    for keyword, marker in starter.thread_markers:
        if _literal(_argument(call, keyword, -1)) == marker:
            return None
    if not starter.keyword:
        return starter.what
    value = _argument(call, starter.keyword, starter.position)
    if value is None:
        return starter.what if starter.default else None
    literal = _literal(value)
    if starter.values:
        return starter.what if literal in starter.values else None
    return starter.what if literal is not None and literal.isdigit() and int(literal) > 0 else None


def _argument(call: cst.Call, keyword: str, position: int) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return positional[position].value if 0 <= position < len(positional) else None


def _literal(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        return str(expr.evaluated_value)
    if isinstance(expr, cst.Integer):
        return str(expr.evaluated_value)
    return None
