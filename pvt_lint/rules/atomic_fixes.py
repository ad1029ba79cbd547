"""PVT202's fixes: a check-then-act on a dict or set that one atomic method does whole.

- ``if k in d: del d[k]`` -> ``d.pop(k, None)``;
- ``if x in s: s.remove(x)`` -> ``s.discard(x)``;
- ``if k not in d: d[k] = v`` -> ``d.setdefault(k, v)``.

Safe when the container is known to be a built-in ``dict`` (a ``set`` for ``discard``) and, for
``setdefault``, the value is a name, a constant or an attribute of names: ``setdefault`` evaluates it even
when the key is there. Unsafe otherwise (another mapping type may not make ``pop`` atomic, and a list has
no ``discard``). No fix when the ``if`` has an ``else``, more than one statement, or a comment other than
the one ending the ``if`` line (kept after the replacement), which the one-line replacement would lose.
"""

from __future__ import annotations

import io
import tokenize
from typing import Optional

import libcst as cst

from ..findings import SAFE, UNSAFE, Edit, Fix
from .fix_text import code_of

_DICTS = frozenset({"{}", "dict()"})
_SETS = frozenset({"set()"})


def atomic_fix(model, node: cst.If, scope: tuple[str, ...], where: tuple[int, int, int, int]) -> Optional[Fix]:
    """The fix of the check-then-act ``node`` (its range ``where``), or None when none keeps the code."""
    if node.orelse is not None:
        return None
    kept = _header_comment(node)
    if kept is False:
        return None
    statement = _only_statement(node.body)
    test = node.test
    if statement is None or not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    operator, container = test.comparisons[0].operator, test.comparisons[0].comparator
    key, box = _code(test.left), _code(container)
    made = None
    if isinstance(operator, cst.In) and isinstance(statement, cst.Del) and _item_of(statement.target, box, key):
        made = (f"{box}.pop({key}, None)", _DICTS, True)
    elif isinstance(operator, cst.In) and _call_of(statement, box, "remove", key):
        made = (f"{box}.discard({key})", _SETS, True)
    elif (isinstance(operator, cst.NotIn) and isinstance(statement, cst.Assign) and len(statement.targets) == 1
          and _item_of(statement.targets[0].target, box, key)):
        made = (f"{box}.setdefault({key}, {_code(statement.value)})", _DICTS, _plain(statement.value))
    if made is None:
        return None
    text, kinds, plain_value = made
    value = model.value_at(container, scope) if isinstance(container, (cst.Name, cst.Attribute)) else None
    safety = SAFE if value in kinds and plain_value else UNSAFE
    # An indented body's header comment lies inside the replaced range; a one-line if's stays after it.
    carried = f"  {kept}" if kept and isinstance(node.body, cst.IndentedBlock) else ""
    return Fix(f"Use `{text}`", safety, (Edit(*where, text + carried),))


def _header_comment(node: cst.If) -> Optional[str] | bool:
    """The comment at the end of the ``if`` line, kept after the replacement; None when the ``if`` holds
    no comment; False when it holds another, which the replacement would lose."""
    body = node.body
    header = body.header.comment if isinstance(body, cst.IndentedBlock) else body.trailing_whitespace.comment
    code = code_of(node)
    if "#" not in code:
        return None  # a comment token holds a "#": tokenizing is for the code that may have one
    try:
        count = sum(t.type == tokenize.COMMENT for t in tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    if count == 0:
        return None
    return header.value if count == 1 and header is not None else False


def _only_statement(body) -> Optional[cst.BaseSmallStatement]:
    lines = body.body if isinstance(body, cst.IndentedBlock) else [body]
    if len(lines) != 1 or not isinstance(lines[0], (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return None
    small = lines[0].body
    return small[0] if len(small) == 1 else None


def _code(node: cst.CSTNode) -> str:
    return code_of(node).strip()


def _item_of(target, box: str, key: str) -> bool:
    """Is ``target`` exactly ``box[key]``?"""
    return (isinstance(target, cst.Subscript) and _code(target.value) == box and len(target.slice) == 1
            and isinstance(target.slice[0].slice, cst.Index) and _code(target.slice[0].slice.value) == key)


def _call_of(statement, box: str, method: str, key: str) -> bool:
    """Is ``statement`` exactly ``box.method(key)``?"""
    call = statement.value if isinstance(statement, cst.Expr) else None
    return (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == method
            and _code(call.func.value) == box and len(call.args) == 1 and call.args[0].keyword is None
            and not call.args[0].star and _code(call.args[0].value) == key)


def _plain(value: cst.BaseExpression) -> bool:
    """A value that evaluating once more changes nothing: a name, a constant, an attribute of names."""
    if isinstance(value, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(value, cst.Attribute):
        return _plain(value.value)
    return False
