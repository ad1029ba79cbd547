"""Dispatch detection: the places where a callable is sent to run in a child process or a thread.

``find_dispatches`` reads every call of the module once the whole module has been seen: a
``Process``/``Thread`` with a target, an instance of a subclass of one, a pool's initializer, a pool or
executor method, ``run_in_executor``, ``asyncio.to_thread``; and the ``Thread``/``Process`` subclasses
whose ``run`` this module defines but never starts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Optional

import libcst as cst

from .. import apis
from ..apis.common_methods import common_methods
from .facts import CallSite, DispatchSite
from .scopes import Scopes
from .syntax import arg, positional

_BUILTINS = frozenset(dir(__import__("builtins")))


def thread_or_process_subclass(scopes: Scopes, qualname: str) -> Optional[str]:
    """PROCESS or THREAD for a class of this module that derives from ``Process`` or ``Thread``."""
    if qualname not in scopes.classes:
        return None
    bases = scopes.class_bases(qualname)
    if bases & apis.PROCESS_CLASSES:
        return apis.PROCESS
    if bases & apis.THREAD_CLASSES:
        return apis.THREAD
    return None


def find_dispatches(scopes: Scopes, calls: list[CallSite], positions) -> list[DispatchSite]:
    """Every dispatch site of the module, in call order, then the subclasses started elsewhere.

    Also sets each call's ``qualname`` to its resolution as bound at its line.
    """
    finder = _Finder(scopes, positions)
    for call in calls:
        finder.find(call)
    finder.subclasses_started_elsewhere()
    _mark_concurrency(finder.sites)
    return finder.sites


class _Finder:
    def __init__(self, scopes: Scopes, positions) -> None:
        self._scopes = scopes
        self._positions = positions
        self.sites: list[DispatchSite] = []

    def find(self, call: CallSite) -> None:
        scopes = self._scopes
        node = call.node
        qualname = scopes.resolve(node.func, call.scope, call.line)
        call.qualname = qualname
        if qualname is None:
            return
        args = node.args
        if qualname in apis.PROCESS_CLASSES or qualname in apis.THREAD_CLASSES:
            context = apis.PROCESS if qualname in apis.PROCESS_CLASSES else apis.THREAD
            keyword = apis.TARGET_KEYWORDS[qualname]
            target = arg(args, keyword, 1)
            payload = tuple(a.value for a in args if a.keyword and a.keyword.value in ("args", "kwargs"))
            payload += tuple(a.value for i, a in enumerate(positional(args)) if i in (2, 3) and keyword == "function")
            payload += tuple(a.value for i, a in enumerate(positional(args)) if i in (3, 4) and keyword == "target")
            if target is not None:
                self._add(call, context, qualname, "target", target, payload, pool=False)
            return
        context = thread_or_process_subclass(scopes, qualname)
        if context is not None:
            run = scopes.method(qualname, "run")
            if run is not None:
                site = self._add(call, context, qualname, "run", None, (), pool=False)
                site.target = run
                site.form = "method"
            return
        if qualname in apis.POOL_CONSTRUCTORS:
            position = apis.INITIALIZER_POSITION.get(qualname, -1)
            initializer = arg(args, "initializer", position)
            if initializer is not None:
                initargs = arg(args, "initargs", position + 1 if position >= 0 else -1)
                payload = (initargs,) if initargs is not None else ()
                self._add(call, apis.POOL_CONSTRUCTORS[qualname], qualname, "initializer", initializer, payload, pool=True)
            return
        if qualname in apis.THREAD_CALLS:
            target = arg(args, "func", 0)
            if target is not None:
                self._add(call, apis.THREAD, qualname, "call", target, tuple(a.value for a in positional(args)[1:]), pool=False)
            return
        if isinstance(node.func, cst.Attribute):
            self._method_call(call, node.func.attr.value)

    def _method_call(self, call: CallSite, method: str) -> None:
        """``loop.run_in_executor(ex, f)`` and pool or executor methods (``pool.map(f, ...)``)."""
        scopes = self._scopes
        node = call.node
        args = node.args
        owner = scopes.resolve(node.func.value, call.scope, call.line)
        if method == "run_in_executor":
            given = positional(args)
            if len(given) >= 2:
                executor = given[0].value
                if isinstance(executor, cst.Name) and executor.value == "None":
                    context = apis.THREAD
                else:
                    context = _pool_context(scopes.resolve(executor, call.scope, call.line))
                if context is not None:
                    payload = tuple(a.value for a in given[2:])
                    self._add(call, context, "loop.run_in_executor", "submit", given[1].value, payload, pool=True)
            return
        if method in apis.POOL_METHODS:
            context = _pool_context(owner)
            if context is None:
                return
            target = arg(args, apis.CALLABLE_KEYWORDS, 0)
            if target is None:
                return
            payload = tuple(a.value for a in args if a.value is not target)
            role = "submit" if method in apis.SUBMIT_METHODS else "map"
            pool_name = owner[:-2] if owner else "pool"
            self._add(call, context, f"{pool_name}.{method}", role, target, payload, pool=True)

    def subclasses_started_elsewhere(self) -> None:
        """A Thread/Process subclass's ``run`` runs in a thread/child wherever the instance is
        started, usually in another module: the class that defines ``run`` stands in for the
        start when this module never starts it."""
        started = {site.target for site in self.sites if site.role == "run"}
        for qualname, cls in self._scopes.classes.items():
            context = thread_or_process_subclass(self._scopes, qualname)
            run = cls.methods.get("run")
            if context is None or run is None or run in started:
                continue
            self.sites.append(
                DispatchSite(
                    context=context,
                    api=qualname,
                    role="run",
                    line=cls.line,
                    column=cls.column,
                    end_line=cls.line,
                    end_column=cls.column + len(cls.name),
                    caller=None,
                    call=cst.Call(func=cst.Name(cls.name)),  # no arguments are visible here
                    callable_node=None,
                    form="method",
                    target=run,
                    elsewhere=True,
                )
            )

    def _add(self, call: CallSite, context: str, api: str, role: str, target_node, payload, pool: bool) -> DispatchSite:
        node = call.node
        end = self._positions[node].end
        site = DispatchSite(
            context=context,
            api=api,
            role=role,
            line=call.line,
            column=call.column,
            end_line=end.line,
            end_column=end.column,
            caller=call.caller,
            call=node,
            callable_node=target_node,
            in_loop=call.loop_depth > 0,
            loop_names=call.loop_names,
            payload=tuple(p for p in payload if p is not None),
            pool=pool,
        )
        if target_node is not None:
            site.form, site.target = self._callable(target_node, call)
            if context == apis.PROCESS and site.form in ("unknown", "external"):
                site.target = sole_method(self._scopes, target_node, call.scope)
                site.form = "method" if site.target else site.form
            if context == apis.PROCESS and site.form in ("function", "method"):
                site.wrapper = local_wrapper(self._scopes, site.target)
                site.form = "wrapped" if site.wrapper else site.form
        self.sites.append(site)
        return site

    def _callable(self, expr: cst.BaseExpression, call: CallSite) -> tuple[str, Optional[str]]:
        """(form, module function qualname) of a callable expression sent somewhere."""
        scopes = self._scopes
        if isinstance(expr, cst.Lambda):
            pos = self._positions[expr].start
            parent = call.scope[0] + ".<locals>." if call.scope else ""
            return "lambda", f"{parent}<lambda>@{pos.line}:{pos.column}"
        if isinstance(expr, cst.Call):
            func = scopes.resolve(expr.func, call.scope)
            if func in ("functools.partial", "partial") and expr.args:
                form, target = self._callable(expr.args[0].value, call)
                return ("partial" if form in ("function", "method") else form), target
            return "unknown", None
        target = scopes.callee(expr, call.scope)
        if target is not None:
            fn = scopes.functions[target]
            if fn.is_lambda:
                return "lambda", target
            if fn.class_qualname:
                return "method", target
            return ("nested" if fn.parent else "function"), target
        if isinstance(expr, cst.Name):
            found = scopes.lookup(expr.value, call.scope)
            value = found[1][0] if found is not None else None
            if value == "<lambda>":
                return "lambda-name", self._lambda_qualname(found[1][1])
            if value and value.startswith("functools.partial") and value.endswith("()"):
                return "partial", None
            if expr.value in scopes.imports:
                return "external", None
            if expr.value in _BUILTINS:
                return "builtin", None
        resolved = scopes.resolve(expr, call.scope)
        if resolved and resolved.split(".", 1)[0] in scopes.imports.values():
            return "external", None
        return "unknown", None

    def _lambda_qualname(self, node) -> Optional[str]:
        if node is None:
            return None
        for fn in self._scopes.functions.values():
            if fn.node is node:
                return fn.qualname
        return None


def sole_method(scopes: Scopes, expr: cst.BaseExpression, scope: tuple[str, ...]) -> Optional[str]:
    """``image.process`` on a receiver the model cannot type: the one method of that name this module's
    classes define, unless objects of the builtins and the standard library have a method of that name
    too (``job.get``, ``worker.run``). Only asked of process targets the module could not place (an
    unknown callable, or a method of something an imported call returned). A receiver
    that an imported function or class made (``boto3.client(...)``) is that library's object; one taken
    out of another object (``queue.get()``, an item of a list) can be anything, ours included."""
    if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
        return None
    name = expr.attr.value
    if expr.value.value in scopes.imports or name.startswith("__") or name in common_methods():
        return None
    receiver = scopes.resolve(expr.value, scope) or ""
    if receiver.split(".", 1)[0] in scopes.imports.values() and "()." not in receiver:
        return None
    found = [cls.methods[name] for cls in scopes.classes.values() if name in cls.methods]
    return found[0] if len(found) == 1 else None


def local_wrapper(scopes: Scopes, target: Optional[str]) -> Optional[str]:
    """The nested function a decorator of ``target`` puts in place of it, when that function has no
    importable name: a decorator of this module whose body is straight-line code returning an undecorated
    nested ``def`` (no ``functools.wraps``), with no ``update_wrapper`` and no ``__qualname__`` set. Pickle
    looks a function up by ``module.__qualname__``, and ``outer.<locals>.inner`` is not there. None for
    anything else (a decorator factory, an imported or a method decorator, a wrapper that copies the name)."""
    fn = scopes.functions.get(target or "")
    if fn is None or not isinstance(fn.node, cst.FunctionDef):
        return None
    for decorator in fn.node.decorators:
        outer = scopes.functions.get(decorator.decorator.value) if isinstance(decorator.decorator, cst.Name) else None
        if outer is not None and outer.parent is None and outer.class_qualname is None:
            inner = _returned_nested(outer.node)
            if inner is not None:
                return f"{outer.qualname}.<locals>.{inner}"
    return None


def _returned_nested(node: cst.CSTNode) -> Optional[str]:
    if not isinstance(node, cst.FunctionDef) or not isinstance(node.body, cst.IndentedBlock):
        return None
    nested: dict[str, cst.FunctionDef] = {}
    returned: list[Optional[cst.BaseExpression]] = []
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef):
            nested[statement.name.value] = statement
        elif not isinstance(statement, cst.SimpleStatementLine):
            return None  # a branch or a loop: which function is returned is not plain to see
        else:
            for small in statement.body:
                if isinstance(small, cst.Return):
                    returned.append(small.value)
                elif _copies_the_name(small):
                    return None
    if len(returned) != 1 or not isinstance(returned[0], cst.Name) or returned[0].value not in nested:
        return None
    inner = nested[returned[0].value]
    return inner.name.value if not inner.decorators else None


def _copies_the_name(small: cst.BaseSmallStatement) -> bool:
    """``functools.update_wrapper(...)``, ``inner.__qualname__ = ...`` and the like."""
    if isinstance(small, cst.Assign):
        return any(isinstance(t.target, cst.Attribute) and t.target.attr.value in ("__qualname__", "__name__")
                   for t in small.targets)
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        func = small.value.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        return name == "update_wrapper"
    return False


def _pool_context(owner: Optional[str]) -> Optional[str]:
    if owner and owner.endswith("()"):
        return apis.POOL_CONSTRUCTORS.get(owner[:-2])
    return None


def _mark_concurrency(sites: list[DispatchSite]) -> None:
    counts: dict[str, int] = defaultdict(int)
    for site in sites:
        if site.target:
            counts[site.target] += 1
    for site in sites:
        site.concurrent = site.pool or site.in_loop or (site.target is not None and counts[site.target] > 1)
