"""PVT102's fix: a nested function or an inline lambda that captures nothing from the function around it
moves to module level, where pickle finds it by name.

- a nested ``def square(x): ...`` moves, dedented, above the top-level function that holds it, and the
  call keeps passing ``square`` (now the module's);
- ``lambda x: x * x`` becomes ``def _main_task(x): return x * x`` above that function (named after it,
  numbered when the name is taken), and the call passes ``_main_task``.

Safe: the function does what it did, from an importable name. Offered only when nothing is captured (no
name the enclosing function binds is read, in defaults and decorators either), the enclosing function is
a plain module-level function (no decorators, not a method), the moved ``def`` is undecorated and not
the only statement of its function, its name is free at module level, and it holds no string over
several lines (its lines are dedented). A function that needs captured values gets no fix.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..findings import SAFE, Edit, Fix
from ..model import ModuleModel
from .fix_text import comments_above, multiline_string, names_in

_CODE = cst.Module([])


def hoist_fix(model: ModuleModel, site) -> Optional[Fix]:
    """The fix for dispatch ``site`` of PVT102 (a nested function or an inline lambda), or None."""
    if site.form == "nested":
        return _hoist_nested(model, model.function(site.target))
    if site.form == "lambda" and isinstance(site.callable_node, cst.Lambda):
        return _hoist_lambda(model, site.callable_node, model.function(site.caller))
    return None


def _hoist_nested(model: ModuleModel, fn) -> Optional[Fix]:
    parent = model.function(fn.parent) if fn is not None else None
    if parent is None or not _plain_top_level(parent) or fn.node.decorators or _captures(fn.node, parent, fn):
        return None
    if fn.name in model.module_names or len(parent.node.body.body) < 2:
        return None
    lines = model.lines
    where = model.position(fn.node)
    first, last = where.start.line - comments_above(fn.node), where.end.line
    indent = lines[where.start.line - 1][: where.start.column]
    block = lines[first - 1: last]
    if multiline_string(fn.node) or indent.strip() or any(line.strip() and not line.startswith(indent) for line in block):
        return None
    moved = [line[len(indent):] if line.strip() else line.strip() for line in block]
    end = last + 1
    before = lines[first - 2].strip() if first >= 2 else ""
    if (not before or before.endswith(":")) and end <= len(lines) and not lines[end - 1].strip():
        end += 1  # the blank line after it too: no two blank lines meet, and no body starts with one
    return _fix(model, parent, moved, f"Move `{fn.name}` to module level",
                Edit(first, 0, end, 0, ""))


def _hoist_lambda(model: ModuleModel, node: cst.Lambda, parent) -> Optional[Fix]:
    if parent is None or not _plain_top_level(parent) or _captures(node, parent, None) or multiline_string(node):
        return None
    name = _free_name(model, f"_{parent.name}_task")
    params = _CODE.code_for_node(node.params)
    body = _CODE.code_for_node(node.body)
    if "\n" in body:
        body = f"({body})"
    moved = [f"def {name}({params}):", f"{model.indent}return {body}"]
    where = model.position(node)
    return _fix(model, parent, "\n".join(moved).split("\n"), f"Move the lambda to module level as `{name}`",
                Edit(where.start.line, where.start.column, where.end.line, where.end.column, name))


def _fix(model: ModuleModel, parent, moved: list[str], message: str, edit: Edit) -> Fix:
    """The moved lines inserted above ``parent`` (above the comments that lead into it), two blank lines
    after them, together with ``edit`` (which takes the original out)."""
    line = model.position(parent.node).start.line - comments_above(parent.node)
    newline = model.newline
    text = newline.join(m.rstrip("\r") for m in moved) + newline * 3
    return Fix(message, SAFE, (Edit(line, 0, line, 0, text), edit))


def _plain_top_level(fn) -> bool:
    return fn.parent is None and fn.class_qualname is None and not fn.is_lambda and not fn.node.decorators


def _captures(node: cst.CSTNode, parent, fn) -> bool:
    """Does ``node`` read a name the enclosing function ``parent`` binds (other than the moved
    function's own name), which ``fn`` (None for a lambda: its parameters) does not bind itself?"""
    own = set(fn.params | fn.bound) if fn is not None else _lambda_params(node)
    for name in names_in(node):
        if fn is not None and name == fn.name:
            continue
        if name in own:
            continue
        if parent.binds_locally(name) or name in parent.nonlocal_decls:
            return True
    return False


def _lambda_params(node: cst.Lambda) -> set[str]:
    params = node.params
    out = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            out.add(star.name.value)
    return out


def _free_name(model: ModuleModel, base: str) -> str:
    taken = set(model.module_names) | set(model.imports) | set(model.functions)
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name
