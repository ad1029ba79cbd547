"""Process facts: what runs in child processes, and where and how the module starts them."""

from __future__ import annotations

from functools import cached_property
from typing import Optional

import libcst as cst

from .. import apis
from .calls import CallGraph
from .dispatch import thread_or_process_subclass
from .facts import CallSite, DispatchSite, IfInfo
from .scopes import Scopes
from ..walk import code_children
from .syntax import dotted, hands_on

# Either family's: a module that starts processes through both multiprocessing and multiprocess is rare.
_SET_START_METHOD = frozenset(name for name in apis.PROCESS_STARTING_CALLS if name.endswith(".set_start_method"))


def method_named(call: cst.Call) -> Optional[str]:
    """The start method a ``get_context("...")`` or ``set_start_method("...")`` call names as a string
    literal, its first argument; None when it names none or not as a literal."""
    first = call.args[0].value if call.args else None
    return first.evaluated_value if isinstance(first, cst.SimpleString) else None


class ProcessFacts:
    def __init__(
        self,
        scopes: Scopes,
        graph: CallGraph,
        dispatches: list[DispatchSite],
        ifs: list[IfInfo],
        main_guards: list[tuple[int, int]],
    ) -> None:
        self._scopes = scopes
        self._graph = graph
        self._dispatches = dispatches
        self._ifs = ifs
        self._main_guards = main_guards

    def child_run(self, initializers: bool = False) -> dict[str, list[DispatchSite]]:
        """Functions run by child-process tasks (and what they call), each with the sites sending them.

        A pool's ``initializer`` is per-process setup, so it (and what only it reaches) is left out
        unless ``initializers`` is true.
        """
        out: dict[str, list[DispatchSite]] = {}
        for site in self._dispatches:
            if site.context != apis.PROCESS or site.target is None:
                continue
            if site.role == "initializer" and not initializers:
                continue
            for qualname in self._graph.closure(site.target):
                out.setdefault(qualname, []).append(site)
        return out

    def tests_name(self, qualname: Optional[str], name: str) -> bool:
        """Whether an ``if`` in function ``qualname`` tests ``name`` (a lazy-init or memo check).

        An ``if`` that orders ``name`` against another value (``if score > best:``) keeps a running best,
        which is not a lazy initialisation: it does not count."""
        return any(
            i.function == qualname and (name, None) in i.tested and not _orders(i.node.test, name) for i in self._ifs
        )

    def start_method(self, site: DispatchSite) -> Optional[str]:
        """The start method a dispatch names (``get_context("fork").Process``, or the default context after
        the module's ``set_start_method("fork")``), if any."""
        func = site.call.func
        if not isinstance(func, cst.Attribute):
            return None
        receiver = func.value
        scope = self._scopes.scope_of(site.caller)
        if isinstance(receiver, cst.Name):
            found = self._scopes.lookup(receiver.value, scope)
            if found is not None:
                receiver = found[1][1]
        elif isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            # ``self._mp_context.Process``: the context the class binds (redis's tests take
            # ``get_context(method="fork")`` wherever the default is spawn or forkserver).
            owner = self._scopes.selves(scope).get(receiver.value.value)
            bound = self._scopes.values.get((owner, f"self.{receiver.attr.value}")) if owner else None
            if bound is not None:
                receiver = bound[1]
        if isinstance(receiver, cst.Call) and (dotted(receiver.func) or "").endswith("get_context"):
            return method_named(receiver)
        return self._global_start_method

    def sets_start_method(self, method: str) -> bool:
        """Whether the module calls ``set_start_method(method)`` anywhere (module level, main guard, a function)."""
        return any(self.start_method_set_by(call) == method for call in self._graph.calls)

    @staticmethod
    def start_method_set_by(call) -> Optional[str]:
        """The start method a ``set_start_method("...")`` call sets; None for any other call."""
        return method_named(call.node) if call.qualname in _SET_START_METHOD else None

    def named_start_methods(self) -> set[Optional[str]]:
        """The start methods the module names in ``get_context("...")`` and ``set_start_method("...")``
        calls; None for one whose argument is not a string literal (it may name any)."""
        out: set[Optional[str]] = set()
        for call in self._graph.calls:
            name = call.qualname or ""
            if call.qualname in _SET_START_METHOD or (name.endswith(".get_context") and call.node.args):
                out.add(method_named(call.node))
        return out

    @cached_property
    def _global_start_method(self) -> Optional[str]:
        """The one start method the module sets with ``set_start_method("...")``, if it sets exactly one."""
        methods = {method_named(call.node) for call in self._graph.calls if call.qualname in _SET_START_METHOD}
        return methods.pop() if len(methods) == 1 else None

    def never_started(self, site: DispatchSite) -> bool:
        """A Process object bound to a name in a function that never starts it, nor hands it on.

        Handing on: calling a module function that starts processes, returning the name, storing it
        in a container or in another name.
        """
        if site.pool or site.role not in ("target", "run") or site.caller is None:
            return False
        names = [k[1] for k, v in self._scopes.values.items() if k[0] == site.caller and v[1] is site.call]
        if len(names) != 1:
            return False
        calls = self._graph.calls
        starters = {c.caller for c in calls
                    if isinstance(c.node.func, cst.Attribute) and c.node.func.attr.value == "start"}
        for call in calls:
            if call.caller != site.caller:
                continue
            if call.caller in starters or (call.callee and self._graph.closure(call.callee) & starters):
                return False
            func = call.node.func
            if isinstance(func, cst.Attribute) and func.attr.value in apis.MUTATING_METHODS and any(
                isinstance(a.value, cst.Name) and a.value.value == names[0] for a in call.node.args
            ):
                return False
        return not hands_on(self._scopes.functions[site.caller].node, names[0])

    def process_starts(self) -> list[tuple[CallSite, str]]:
        """Calls that start child processes when they run, each with what it does."""
        out: list[tuple[CallSite, str]] = []
        pool_sites = {id(s.call) for s in self._dispatches
                      if s.context == apis.PROCESS and s.pool and s.role != "initializer"}
        for call in self._graph.calls:
            name = call.qualname or ""
            if name in _SET_START_METHOD and _forced(call.node):
                continue  # ``force=True``: a spawned child that imports it again sets it again, no error
            if name in apis.PROCESS_STARTING_CALLS:
                out.append((call, apis.PROCESS_STARTING_CALLS[name]))
            elif name.endswith("().start") and self._is_process_class(name[: -len("().start")]):
                out.append((call, "starts a process"))
            elif apis.POOL_CONSTRUCTORS.get(name) == apis.PROCESS and name.endswith("Pool"):
                out.append((call, "starts a process pool"))
            elif id(call.node) in pool_sites:
                out.append((call, "sends work to a process pool"))
        return out

    def _is_process_class(self, qualname: str) -> bool:
        return qualname in apis.PROCESS_CLASSES or thread_or_process_subclass(self._scopes, qualname) == apis.PROCESS

    def starts_processes(self, qualname: Optional[str]) -> bool:
        """Whether code in ``qualname`` itself (None: module level) starts child processes."""
        return any(call.caller == qualname for call, _what in self._starts)

    @cached_property
    def _starts(self) -> list[tuple[CallSite, str]]:
        return self.process_starts()

    @cached_property
    def manager_callables(self) -> frozenset[str]:
        """Functions of this module registered with a multiprocessing manager (``MyManager.register("typeid",
        make)``): the manager's server process calls them for its clients."""
        out = set()
        for call in self._graph.calls:
            name = call.qualname or ""
            if not name.endswith("." + apis.MANAGER_REGISTER) or not self._is_manager_class(name.rpartition(".")[0]):
                continue
            args = call.node.args
            if not args or args[0].keyword is not None or not isinstance(args[0].value, cst.SimpleString):
                continue
            made = [a.value for a in args if a.keyword is not None and a.keyword.value == apis.MANAGER_CALLABLE]
            made += [a.value for a in args[1:2] if a.keyword is None and a.star == ""]
            for expr in made:
                target = self._scopes.resolve(expr, call.scope)
                if target in self._scopes.functions:
                    out.add(target)
        return frozenset(out)

    def _is_manager_class(self, qualname: str) -> bool:
        if qualname in apis.MANAGER_CLASSES:
            return True
        if qualname in self._scopes.classes:
            return bool(self._scopes.class_bases(qualname) & apis.MANAGER_CLASSES)
        return "." in qualname and qualname.rpartition(".")[2].endswith(apis.MANAGER_SUFFIX)

    def in_main_guard(self, line: int) -> bool:
        """Whether ``line`` is inside the module's ``if __name__ == "__main__":`` body."""
        return any(start <= line <= end for start, end in self._main_guards)

    def import_time(self, call: CallSite) -> bool:
        """Whether a call runs when the module is imported (module level, outside the main guard)."""
        return call.caller is None and not self.in_main_guard(call.line)


_ORDERING = (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)


def _orders(test: cst.BaseExpression, name: str) -> bool:
    """Does ``test`` compare the global ``name`` itself with ``<``, ``<=``, ``>`` or ``>=``?"""
    for node in _walk(test):
        if not isinstance(node, cst.Comparison):
            continue
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, _ORDERING) and any(
                isinstance(side, cst.Name) and side.value == name for side in (left, right)
            ):
                return True
            left = right
    return False


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, cst.Lambda):
            stack.extend(code_children(current))


def _forced(call: cst.Call) -> bool:
    """``set_start_method(method, force=True)`` (or ``True`` as the second argument)."""
    for index, argument in enumerate(call.args):
        if (argument.keyword is not None and argument.keyword.value == "force") or (argument.keyword is None and index == 1):
            return isinstance(argument.value, cst.Name) and argument.value.value == "True"
    return False
