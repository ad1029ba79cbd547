"""What a process dispatch sends along with its callable (PVT102, PVT104), and values among them that
keep a lambda or a nested function, which pickle cannot store (PVT102)."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst

from ..apis import CALLABLE_KEEPERS, CLASS_FACTORIES
from ..model import ModuleModel
from ..model.facts import DispatchSite
from ..walk import own_nodes

# Keywords of pool methods that stay in the parent (or are not objects sent along).
NOT_SENT = frozenset({"callback", "error_callback", "chunksize", "timeout", "max_workers", "processes",
                      "maxtasksperchild", "mp_context", "context", "initializer"})


def sent_values(site: DispatchSite) -> Iterator[cst.BaseExpression]:
    """The objects a dispatch sends along, one container level deep."""
    if site.role == "run":
        values = [a.value for a in site.call.args if not (a.keyword and a.keyword.value in NOT_SENT)]
    else:
        skipped = {id(a.value) for a in site.call.args if a.keyword and a.keyword.value in NOT_SENT}
        values = [v for v in site.payload if id(v) not in skipped]
    for value in values:
        if isinstance(value, (cst.Tuple, cst.List, cst.Set)):
            yield from (e.value for e in value.elements if not isinstance(e, cst.StarredElement))
        elif isinstance(value, cst.Dict):
            yield from (e.value for e in value.elements if isinstance(e, cst.DictElement))
        elif isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
            yield from (a.value for a in value.args if a.keyword is not None)
        else:
            yield value


def keeps_local_callable(model: ModuleModel, expr: cst.BaseExpression, caller: Optional[str]) -> Optional[str]:
    """What a sent value is, when it keeps a lambda or a nested function: made at the dispatch, bound to a
    name in the sending function, or returned by a function of this module that it calls (``args, ok =
    configure()``); None when that is not known."""
    made = _made_by(model, expr, caller, depth=2)
    if made is None:
        return None
    call, scope = made
    keeper = model.resolve(call.func, scope)
    if keeper not in CALLABLE_KEEPERS:
        return _local_instance(model, call, scope)
    position = CALLABLE_KEEPERS[keeper]
    plain = [a for a in call.args if a.keyword is None and not a.star]
    factory = plain[position].value if len(plain) > position and not any(a.star for a in plain[:position]) else None
    fn = model.function(model.scopes.callee(factory, scope)) if isinstance(factory, cst.Name) else None
    if isinstance(factory, cst.Lambda) or (fn is not None and fn.is_lambda):
        kind = "a lambda"
    elif fn is not None and fn.parent:
        kind = "a nested function"
    else:
        return None
    return f"a `{keeper.rsplit('.', 1)[-1]}` whose default factory is {kind}, line {model.position(call).start.line}"


def _made_by(model: ModuleModel, expr: cst.BaseExpression, function: Optional[str], depth: int):
    """(a call that may have made ``expr``'s value, the scope to read it in): first a keeper's, if any."""
    made = list(_makers(model, expr, function, depth))
    keepers = sorted((m for m in made if model.resolve(m[0].func, m[1]) in CALLABLE_KEEPERS),
                     key=lambda m: model.position(m[0]).start.line)
    return (keepers or made or [None])[0]


def _local_instance(model: ModuleModel, call: cst.Call, scope: tuple[str, ...]) -> Optional[str]:
    """An instance of a class made inside a function (a ``class`` statement or ``namedtuple()`` there)."""
    if not isinstance(call.func, cst.Name) or not scope:
        return None
    name = call.func.value
    for function in scope:  # innermost first, as Python looks the name up
        cls = model.scopes.classes.get(f"{function}.<locals>.{name}")
        if cls is not None and not {"__reduce__", "__reduce_ex__"} & set(cls.methods):  # those may name another class
            return f"a `{name}`, a class local to `{_shown(function)}`"
        fn = model.function(function)
        if fn is not None and fn.binds_locally(name):
            binding = _last_binding(model, fn.node, name, model.position(call).start.line)
            made = binding[1] if binding is not None and binding[0] == -1 else None
            if isinstance(made, cst.Call) and model.resolve(made.func, model.scope_of(function)) in CLASS_FACTORIES:
                return f"a `{name}`, a class local to `{_shown(function)}`"
            return None
    return None


def _makers(model: ModuleModel, expr: cst.BaseExpression, function: Optional[str], depth: int) -> Iterator:
    """The calls whose value ``expr`` may hold, with the scope to read each in: the call itself, the last
    binding of a name before it in ``function``, or what a function of this module that it calls returns
    (any ``return``; ``a, b = helper()`` takes the element at a's place)."""
    scope = model.scope_of(function)
    if isinstance(expr, cst.Call):
        helper = _module_function(model, expr, scope)
        if helper is None or depth == 0:
            yield expr, scope
            return
        for returned in _returned(helper.node, -1):  # ``counters()``: what the function returns
            yield from _makers(model, returned, helper.qualname, depth - 1)
        return
    if not isinstance(expr, cst.Name) or depth == 0:
        return
    fn = model.function(function)
    if fn is None or not fn.binds_locally(expr.value):
        found = model.scopes.lookup(expr.value, scope, locals_hide=True)  # a module-level binding
        if found is not None and isinstance(found[1][1], cst.Call):
            yield found[1][1], model.scope_of(found[0] if model.function(found[0]) else None)
        return
    binding = _last_binding(model, fn.node, expr.value, model.position(expr).start.line)
    if binding is None:
        return
    index, value = binding
    if index == -1:
        yield from _makers(model, value, function, depth - 1)
        return
    helper = _module_function(model, value, scope) if isinstance(value, cst.Call) else None
    for returned in _returned(helper.node, index) if helper is not None else ():
        yield from _makers(model, returned, helper.qualname, depth - 1)


def _last_binding(model: ModuleModel, function: cst.CSTNode, name: str, line: int):
    """(index in a tuple target or -1, the value) of the last plain assignment to ``name`` before ``line``
    in the function's own body; None when there is none or the last binding is of another kind (a loop
    or ``with`` target, ``+=``, ``:=``), whose value is not known."""
    last = None
    for node in own_nodes(function):
        if isinstance(node, cst.Assign):
            found = [(i, node.value) for t in node.targets for i in [_index_of(t.target, name)] if i is not None]
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            found = [(-1, node.value)] if _index_of(node.target, name) == -1 else []
        elif isinstance(node, (cst.For, cst.CompFor, cst.AugAssign, cst.NamedExpr, cst.AsName)):
            target = node.name if isinstance(node, cst.AsName) else node.target
            found = [(0, None)] if _binds(target, name) else []
        else:
            continue
        where = model.position(node).start.line
        if found and where < line and (last is None or where >= last[0]):
            last = (where, found[0])
    if last is None or last[1][1] is None:
        return None
    return last[1]


def _binds(target: cst.CSTNode, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(_binds(e.value, name) for e in target.elements)
    return False


def _module_function(model: ModuleModel, call: cst.Call, scope: tuple[str, ...]):
    """The function of this module (not a method) that ``call`` calls, or None."""
    fn = model.function(model.scopes.callee(call.func, scope))
    return fn if fn is not None and not fn.class_qualname and not fn.is_lambda else None


def _index_of(target: cst.BaseExpression, name: str) -> Optional[int]:
    if isinstance(target, cst.Name):
        return -1 if target.value == name else None
    if isinstance(target, (cst.Tuple, cst.List)):
        for i, element in enumerate(target.elements):
            if isinstance(element.value, cst.Name) and element.value.value == name and not isinstance(element, cst.StarredElement):
                return i
    return None


def _returned(function: cst.CSTNode, index: int) -> Iterator[cst.BaseExpression]:
    """The values at ``index`` (-1: the whole value) of the function's returns."""
    for node in own_nodes(function):
        value = node.value if isinstance(node, cst.Return) else None
        if value is None:
            continue
        if index == -1:
            yield value
        elif isinstance(value, cst.Tuple) and index < len(value.elements):
            if not isinstance(value.elements[index], cst.StarredElement):
                yield value.elements[index].value


def _shown(qualname: str) -> str:
    return qualname.replace(".<locals>.", ".")
