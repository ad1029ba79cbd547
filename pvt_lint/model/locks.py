"""Locks: the ones each function takes, and the ones every caller of a helper holds around its calls."""

from __future__ import annotations

from functools import cached_property
from typing import Optional

import libcst as cst

from .calls import CallGraph
from .facts import Access, DispatchSite
from .syntax import dotted

# Constructors and set-up methods: code that runs before an object is shared between threads.
INIT_METHODS = frozenset({"__init__", "__new__", "__post_init__", "__init_subclass__", "setUp", "setUpClass"})
# Methods that run while no other thread can hold the object: before it is shared, and ``__del__``, which
# runs once nothing refers to it any more.
UNSHARED_METHODS = INIT_METHODS | {"__del__"}


class LockFacts:
    def __init__(self, graph: CallGraph, dispatches: list[DispatchSite], lock_withs, functions=None) -> None:
        self._graph = graph
        self._dispatches = dispatches
        self._lock_withs = lock_withs
        self._functions = functions or {}

    def effective_locks(self, access: Access) -> frozenset[str]:
        """Locks held at an access, including those every caller of its function holds and those its
        decorators take."""
        return access.locks | self.caller_locks(access.function) | self.decorator_locks(access.function)

    def decorator_locks(self, qualname: Optional[str]) -> frozenset[str]:
        """``@_locked def add(self, ...)``, where this module's ``_locked`` wraps the method in ``with
        self._lock:``: the method's body runs under ``self._lock`` (coverage's ``CoverageData``)."""
        fn = self._functions.get(qualname) if qualname else None
        if fn is None or not fn.decorators or not fn.self_name:
            return frozenset()
        return frozenset(f"{fn.self_name}.{attr}" for deco in fn.decorators for attr in self._wrapper_locks.get(deco, ()))

    @cached_property
    def _wrapper_locks(self) -> dict[str, set[str]]:
        """Module functions whose nested wrapper takes ``with <its first parameter>.<attr>:``, by name:
        decorators that hold the decorated method's lock around it."""
        out: dict[str, set[str]] = {}
        for function, text, _line in self._lock_withs:
            wrapper = self._functions.get(function) if function else None
            if wrapper is None or not wrapper.parent or "." in wrapper.parent:
                continue
            params = getattr(wrapper.node, "params", None)
            first = params.params[0].name.value if params is not None and params.params else None
            if first and text.startswith(first + ".") and text.count(".") == 1:
                out.setdefault(wrapper.parent, set()).add(text.partition(".")[2])
        return out

    def caller_locks(self, qualname: Optional[str]) -> frozenset[str]:
        """Locks every call site of function ``qualname`` in the module holds."""
        return self._caller_locks.get(qualname, frozenset()) if qualname else frozenset()

    @cached_property
    def _caller_locks(self) -> dict[str, frozenset[str]]:
        """A helper whose every call site in the module holds a lock runs under that lock. Calls from a
        constructor do not count: they run before the object is shared (``reset()`` called by
        ``__init__`` and again under the lock when the pool is reused after a fork); nor do calls from
        ``__del__``, which runs when nothing refers to the object (psycopg-pool's ``_signal_stop_worker``,
        called by ``close()`` under the pool's lock and by ``__del__``)."""
        dispatched = {s.target for s in self._dispatches if s.target}
        held: dict[str, frozenset[str]] = {}
        for _ in range(4):  # a few rounds reach helpers of helpers
            changed = False
            for qualname, sites in self._graph.callers().items():
                if qualname in dispatched or not sites:
                    continue
                common: Optional[frozenset[str]] = None
                for site in sites:
                    if _in_constructor(site.caller):
                        continue
                    locks = site.locks | held.get(site.caller or "", frozenset())
                    common = locks if common is None else common & locks
                if common and held.get(qualname) != common:
                    held[qualname] = common
                    changed = True
            if not changed:
                break
        return held

    def locks_taken(self, qualname: Optional[str]) -> set[str]:
        """The lock expressions code in ``qualname`` takes: ``with lock:`` and ``lock.acquire()``, as written."""
        taken = {text for function, text, _line in self._lock_withs if function == qualname}
        for call in self._graph.called_by(qualname):
            func = call.node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "acquire":
                receiver = dotted(func.value)
                if receiver is not None:
                    taken.add(receiver)
        return taken


def _in_constructor(qualname: Optional[str]) -> bool:
    """``Pool.__init__``, ``Pool.__del__`` and the like: a method that runs while the object is not shared."""
    owner, _, name = (qualname or "").rpartition(".")
    return bool(owner) and name in UNSHARED_METHODS
