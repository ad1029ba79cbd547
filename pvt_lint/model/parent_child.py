"""Parent and child in one module, for PVT105: who sets a module global in the parent after import
(``parent_writes``), what code runs in a child and through which dispatch (``child_code``, which
follows a ``functools.partial`` kept in a name), what the children set themselves (``child_writes``),
who reads a global in a child and where first (``child_reads``, ``first_read``), what travels with a
dispatch (``sent_along``), and the start method of a pool task (``start_method``).

Each is a public query so that the project stage's facts (``project_facts.ChildRead``) and this
module's own can be judged by one rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional

import libcst as cst

from ..apis import MUTATING_METHODS, PROCESS, PROCESS_SHARED_CALLS
from ..walk import code_children
from .facts import GLOBAL, WRITE_KINDS, DispatchSite
from .processes import method_named

if TYPE_CHECKING:
    from .module import ModuleModel

# Values that are per process (or per thread) by design: the child is meant to have its own.
PER_PROCESS_VALUES = frozenset({"threading.local", "_thread._local", "logging.getLogger"})
_FILLING = frozenset({"append", "extend", "insert", "update", "setdefault", "add", "appendleft", "extendleft",
                      "__setitem__", "__iadd__"})


@dataclass(frozen=True)
class ParentWrite:
    """The parent sets, rebinds or fills global ``name`` after import (in a function or the main guard)."""

    name: str
    line: int
    column: int
    verb: str  # set, filled, updated, changed
    function: Optional[str]  # None: the main guard


@dataclass(frozen=True)
class ChildRead:
    """Code that runs in a child process reads global ``name``; ``target`` is what the dispatch sends."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int
    reader: str  # the function (or lambda) that reads it
    target: str  # how a message names the dispatched function
    site_line: int
    site_column: int
    start_method: Optional[str]  # the start method the dispatch names, None for the platform default


# ---- the facts ------------------------------------------------------------------------------------
def child_code(model: "ModuleModel") -> dict[str, list[tuple[DispatchSite, str]]]:
    """Functions that run in a child process (tasks, targets, initializers and what they call), each with
    the dispatch sites that send them and the function each site sends. Unlike ``model.child_run`` this
    follows a ``functools.partial`` kept in a name (``init = partial(setup, x); Pool(initializer=init)``)."""
    out: dict[str, list[tuple[DispatchSite, str]]] = {}
    for qualname, sites in model.child_run(initializers=True).items():
        out[qualname] = [(site, site.target) for site in sites]
    for site in model.dispatches:
        if site.context != PROCESS or site.target is not None:
            continue
        target = partial_target(model, partial_call(model, site))
        for qualname in model.closure(target) if target else ():
            out.setdefault(qualname, []).append((site, target))
    return out


def parent_writes(model: "ModuleModel", child) -> Iterator[ParentWrite]:
    """Writes to module globals that run in the parent after import: in the main guard, or in a
    function that is neither child code nor called only at import time."""
    import_time: dict[str, bool] = {}
    for fn in model.functions.values():
        if model.within(fn.qualname, child) or _only_at_import(model, fn.qualname, import_time):
            continue
        for access in fn.accesses:
            if access.kind in WRITE_KINDS and access.ref is not None and access.ref.kind == GLOBAL:
                yield ParentWrite(access.root, access.line, access.column, verb(access), fn.qualname)
    for access in model.module_accesses:
        if (access.kind in WRITE_KINDS and access.ref is not None and access.ref.kind == GLOBAL
                and model.in_main_guard(access.line)):
            yield ParentWrite(access.root, access.line, access.column, verb(access), None)


def child_writes(model: "ModuleModel", child) -> set[str]:
    """Globals that code running in a child sets or fills itself: an initializer, a lazy cache. Writing
    into a process-shared object (``done.value += 1``) is not setting it up."""
    out: set[str] = set()
    for fn in model.functions.values():
        if model.within(fn.qualname, child):
            out.update(a.root for a in fn.accesses
                       if a.kind in WRITE_KINDS and a.ref is not None and a.ref.kind == GLOBAL
                       and not (a.in_place and _shared_value(model, a.root)))
    return out


def child_reads(model: "ModuleModel", name: str, child) -> Iterator[ChildRead]:
    """Reads of global ``name`` by code that runs in a child process, one per reading scope and dispatch
    that does not send the value along."""
    for scope in model.readers(name):
        if scope is None or not model.within(scope, child):
            continue
        fn = model.function(scope)
        node = first_read(model, fn.node, name) if fn is not None else None
        if node is None:
            continue
        where = model.position(node)
        for site, target_name in _sites_reaching(model, scope, child):
            if name in sent_along(model, site):
                continue
            target = model.function(target_name)
            yield ChildRead(
                name=name,
                line=where.start.line,
                column=where.start.column,
                end_line=where.end.line,
                end_column=where.end.column,
                reader=scope,
                target=(target.qualname if target.class_qualname else target.name) if target else "?",
                site_line=site.line,
                site_column=site.column,
                start_method=start_method(model, site),
            )


def verb(access) -> str:
    if access.kind == "store":
        return "set"
    if access.kind == "item-store" or (access.kind == "mutate" and access.via in _FILLING):
        return "filled"
    if access.kind == "rmw":
        # `x = f(x)` or `x += 1`; the model also counts `url = args.url` here (it reads the attribute name)
        return "set" if access.via == "=" else "updated"
    return "changed"


def _shared_value(model: "ModuleModel", name: str) -> bool:
    """Whether global ``name`` holds a multiprocessing shared object (a ``Value``, a lock, a proxy)."""
    value = model.value_of(name)
    return bool(value) and value.split("()", 1)[0] in PROCESS_SHARED_CALLS - PER_PROCESS_VALUES


def bound_at_import(model: "ModuleModel", name: str) -> bool:
    """Whether a spawned child gets some value for ``name``: a binding at module level outside the main
    guard, or in a function only called from there."""
    if any(a.root == name and a.kind in ("store", "rmw") and not model.in_main_guard(a.line)
           for a in model.module_accesses):
        return True
    memo: dict[str, bool] = {}
    return any(a.root == name and a.kind == "store" and a.ref is not None and a.ref.kind == GLOBAL
               and _only_at_import(model, fn.qualname, memo)
               for fn in model.functions.values() for a in fn.accesses)


def _only_at_import(model: "ModuleModel", qualname: str, memo: dict[str, bool]) -> bool:
    """A function every caller of which runs at import time: a spawned child runs it again too."""
    if qualname in memo:
        return memo[qualname]
    memo[qualname] = False  # a cycle of calls with no import-time entry is run-time code
    callers = model.callers_of(qualname)
    found = bool(callers) and all(
        model.import_time(c) if c.caller is None else _only_at_import(model, c.caller, memo) for c in callers)
    memo[qualname] = found
    return found


def _sites_reaching(model: "ModuleModel", scope: str, child) -> list[tuple[DispatchSite, str]]:
    """The dispatch sites that make ``scope`` (or the function it is defined in) run in a child."""
    qualname: Optional[str] = scope
    while qualname:
        if qualname in child:
            return sorted(child[qualname], key=lambda pair: (pair[0].line, pair[0].column))
        fn = model.function(qualname)
        qualname = fn.parent if fn else None
    return []


def sent_along(model: "ModuleModel", site) -> set[str]:
    """Globals whose value travels with a dispatch: named whole in its args, kwargs or other payload, a
    partial's arguments, or the initargs of the pool it runs on. A map's iterable itself is not sent
    (its items are), and neither is ``x`` of ``x.attr`` or ``x[k]``."""
    exprs = list(site.payload)
    if site.role == "map" and isinstance(site.call, cst.Call):
        iterables = {id(a.value) for a in site.call.args[1:2] if a.keyword is None}
        exprs = [e for e in exprs if id(e) not in iterables or not isinstance(e, cst.Name)]
    partial = partial_call(model, site)
    if partial is not None:
        exprs.extend(a.value for a in partial.args[1:])
    constructor = _pool_constructor(model, site)
    if constructor is not None:
        exprs.extend(p for s in model.dispatches if s.call is constructor for p in s.payload)
    out: set[str] = set()
    stack = [e for e in exprs if e is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            out.add(node.value)
        elif isinstance(node, cst.Attribute):
            stack.extend([] if isinstance(node.value, cst.Name) else [node.value])
        elif isinstance(node, cst.Subscript):
            stack.extend(c for c in code_children(node) if c is not node.value or not isinstance(c, cst.Name))
        elif isinstance(node, cst.CSTNode):
            stack.extend(code_children(node))
    return out


def partial_call(model: "ModuleModel", site) -> Optional[cst.Call]:
    """The ``functools.partial(f, ...)`` call a site sends, written in place or kept in a name."""
    node = site.callable_node
    if isinstance(node, cst.Name):
        node = _value_node(model, node, model.scope_of(site.caller))
    if isinstance(node, cst.Call) and node.args:
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        return node if name == "partial" else None
    return None


def partial_target(model: "ModuleModel", partial: Optional[cst.Call]) -> Optional[str]:
    """The module-level function a partial wraps."""
    first = partial.args[0].value if partial is not None else None
    fn = model.function(first.value) if isinstance(first, cst.Name) else None
    return fn.qualname if fn is not None and fn.parent is None and not fn.is_method else None


def start_method(model: "ModuleModel", site) -> Optional[str]:
    """The start method a dispatch names: its own context, its pool's (``get_context("fork").Pool()``,
    ``ProcessPoolExecutor(mp_context=...)``), or the module's ``set_start_method``."""
    found = model.start_method(site)
    constructor = _pool_constructor(model, site)
    if constructor is None:
        return found
    scope = model.scope_of(site.caller)
    named = _context_method(model, constructor, scope, depth=0)
    return named or found


def _pool_constructor(model: "ModuleModel", site) -> Optional[cst.Call]:
    """The call that built the pool a task is sent to (``Pool(2)`` of ``with Pool(2) as pool``)."""
    if not site.pool:
        return None
    if site.role == "initializer":
        return site.call
    func = site.call.func
    receiver = func.value if isinstance(func, cst.Attribute) else None
    node = _value_node(model, receiver, model.scope_of(site.caller))
    return node if isinstance(node, cst.Call) else None


def _context_method(model: "ModuleModel", expr, scope, depth: int) -> Optional[str]:
    if expr is None or depth > 6:
        return None
    if isinstance(expr, cst.Call):
        func = expr.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if name == "get_context":
            return method_named(expr)
        for arg in expr.args:
            if arg.keyword is not None and arg.keyword.value in ("mp_context", "context"):
                return _context_method(model, arg.value, scope, depth + 1)
        return _context_method(model, func.value, scope, depth + 1) if isinstance(func, cst.Attribute) else None
    if isinstance(expr, (cst.Name, cst.Attribute)):
        return _context_method(model, _value_node(model, expr, scope), scope, depth + 1)
    return None


def _value_node(model: "ModuleModel", expr, scope):
    """The expression a name (or ``self.attr``) was bound to, looked up from the inside out."""
    if isinstance(expr, cst.Name):
        for key in scope:
            found = model.values.get((key, expr.value))
            if found is not None:
                return found[1]
        for (key, bound), found in model.values.items():
            if bound == expr.value and key not in model.functions and key not in model.classes:
                return found[1]
        return None
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        for qualname in scope:
            fn = model.function(qualname)
            if fn is not None and fn.class_qualname and expr.value.value == fn.self_name:
                found = model.values.get((fn.class_qualname, f"self.{expr.attr.value}"))
                return found[1] if found is not None else None
    return None


def first_read(model: "ModuleModel", root: cst.CSTNode, name: str, attribute: bool = False) -> Optional[cst.CSTNode]:
    """The first place (in source order) where a function reads ``name``, outside the functions and
    classes it defines; binding it, declaring it, or writing through it (``name[k] = v``) is not reading.
    ``attribute``: also ``mod.name``, a global of another module read through its alias."""
    found: list[cst.CSTNode] = []
    body = root.body if isinstance(root, (cst.FunctionDef, cst.Lambda)) else root
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            stack.extend(d.decorator for d in node.decorators)
            continue
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, cst.Name):
            if node.value == name:
                found.append(node)
            continue
        if attribute and isinstance(node, cst.Attribute) and node.attr.value == name and isinstance(node.value, cst.Name):
            found.append(node)
            continue
        stack.extend(_read_children(node))
    if not found:
        return None
    return min(found, key=lambda n: (model.position(n).start.line, model.position(n).start.column))


def _read_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children of ``node`` that can read a name: not targets, attribute names or keywords."""
    if isinstance(node, (cst.Attribute, cst.Arg)):
        return [node.value]
    if isinstance(node, (cst.Global, cst.Nonlocal, cst.Import, cst.ImportFrom, cst.AsName)):
        return []
    if isinstance(node, cst.Assign):
        return [node.value, *(n for t in node.targets for n in _through(t.target))]
    if isinstance(node, (cst.AnnAssign, cst.AugAssign)):
        return [*([node.value] if node.value is not None else []), *_through(node.target)]
    if isinstance(node, cst.Del):
        return _through(node.target)
    if isinstance(node, (cst.For, cst.CompFor)):
        return [*(c for c in code_children(node) if c is not node.target), *_through(node.target)]
    if isinstance(node, cst.NamedExpr):
        return [node.value]
    if isinstance(node, cst.WithItem):
        return [node.item, *(_through(node.asname.name) if node.asname is not None else [])]
    func = node.func if isinstance(node, cst.Call) else None
    if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
        # `name.update(...)` writes through the name; its arguments are still read
        return [*node.args, *_through(func.value)]
    return code_children(node)


def _through(target: cst.BaseExpression) -> list[cst.CSTNode]:
    """What writing to ``target`` reads: the subscripts along it, not the name it binds or writes
    through (``x[i] = v`` reads ``i``, not ``x``)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _through(e.value)]
    if isinstance(target, cst.StarredElement):
        return _through(target.value)
    if isinstance(target, cst.Subscript):
        return [*_through(target.value), *(s.slice.value for s in target.slice if isinstance(s.slice, cst.Index))]
    if isinstance(target, cst.Attribute):
        return _through(target.value)
    if isinstance(target, cst.Name):
        return []
    return [target]
