"""The call graph of one module: which function of the module each call means, and who calls whom."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import Optional

from .facts import CallSite
from .scopes import Scopes


class CallGraph:
    """Resolves each call's ``callee`` (a function of this module) once the module has been seen."""

    def __init__(self, scopes: Scopes, calls: list[CallSite]) -> None:
        self.calls = calls
        self._functions = scopes.functions
        self._callers: dict[str, list[CallSite]] = defaultdict(list)
        self._from: dict[Optional[str], list[CallSite]] = defaultdict(list)
        for call in calls:
            call.callee = scopes.callee(call.node.func, call.scope)
            if call.callee:
                self._callers[call.callee].append(call)
            self._from[call.caller].append(call)

    def callers_of(self, qualname: str) -> list[CallSite]:
        """The calls of function ``qualname`` in this module."""
        return self._callers.get(qualname, [])

    def called_by(self, qualname: Optional[str]) -> list[CallSite]:
        """The calls made in function ``qualname`` (None: module level and class bodies)."""
        return self._from.get(qualname, [])

    def callers(self) -> dict[str, list[CallSite]]:
        """Every function of this module that is called here, with its calls."""
        return self._callers

    def closure(self, qualname: str) -> set[str]:
        """The function and every function of this module it calls, transitively."""
        return set(self._closures.get(qualname, {qualname}))

    @cached_property
    def _closures(self) -> dict[str, frozenset[str]]:
        edges: dict[str, set[str]] = defaultdict(set)
        for call in self.calls:
            if call.caller and call.callee:
                edges[call.caller].add(call.callee)
        out: dict[str, frozenset[str]] = {}
        for start in self._functions:
            seen = {start}
            stack = [start]
            while stack:
                for nxt in edges.get(stack.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            out[start] = frozenset(seen)
        return out
