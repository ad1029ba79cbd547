"""What PVT204 and PVT205 share: which code runs in a thread other than the main one, and which calls
and raises in it are guarded (caught by an enclosing ``try``, or behind a main-thread check).

The model says which functions threads run (``model.dispatches``, ``model.calls``); what it does not
record is where ``try`` bodies and main-thread checks are. ``GuardTracking`` is a visitor mixin that
records them during the engine's one traversal, per call and per ``raise``, and ``thread_reach``
follows the module's calls from each thread target the way ``model.closure`` does, except through a
call that a ``try`` around it protects with a handler for the exception of interest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from ..model import THREAD, DispatchSite, ModuleModel

BARE = "*"  # a bare ``except:``
# Handlers that catch SystemExit, and those that catch ValueError, by the names written in them.
CATCHES_SYSTEM_EXIT = frozenset({"SystemExit", "BaseException", BARE})
CATCHES_VALUE_ERROR = frozenset({"ValueError", "Exception", "BaseException", BARE})
# Names whose mention in a function means it asks which thread it is on (``threading.main_thread()``,
# ``current_thread().name == "MainThread"``, Python 3.12's ``threading._is_main_interpreter``).
_MAIN_THREAD_WORDS = frozenset({"main_thread", "MainThread", "_is_main_interpreter"})


@dataclass(frozen=True)
class Guard:
    """What protects one call or ``raise``: the exception names of the ``try`` bodies around it (in its
    own function) and whether its function asked for the main thread before it."""

    catches: frozenset[str]
    main_checked: bool


_NONE = Guard(frozenset(), False)


class GuardTracking:
    """Visitor mixin: ``self.guards[id(node)]`` for every Call and Raise, ``self.raises`` in order."""

    def _init_guards(self) -> None:
        self.guards: dict[int, Guard] = {}
        self.raises: list[cst.Raise] = []
        # One frame per function (and the module): the catch sets of the try bodies we are in, and
        # whether the function has mentioned the main thread so far.
        self._frames: list[tuple[list[frozenset[str]], list[bool]]] = [([], [False])]

    def _guard(self) -> Guard:
        tries, checked = self._frames[-1]
        return Guard(frozenset().union(*tries) if tries else frozenset(), checked[0])

    def _push_frame(self, node) -> None:
        self._frames.append(([], [False]))

    def _pop_frame(self, node) -> None:
        self._frames.pop()

    visit_FunctionDef = _push_frame
    leave_FunctionDef = _pop_frame
    visit_Lambda = _push_frame
    leave_Lambda = _pop_frame

    def _push_try(self, node) -> None:
        self._frames[-1][0].append(frozenset(_handled(handler) for handler in node.handlers))

    def _pop_try(self, node) -> None:
        self._frames[-1][0].pop()

    visit_Try_body = _push_try
    leave_Try_body = _pop_try
    visit_TryStar_body = _push_try
    leave_TryStar_body = _pop_try

    def visit_Call(self, node: cst.Call) -> None:
        self.guards[id(node)] = self._guard()

    def visit_Raise(self, node: cst.Raise) -> None:
        self.guards[id(node)] = self._guard()
        self.raises.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in _MAIN_THREAD_WORDS:
            self._frames[-1][1][0] = True

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node.value.strip("\"'") == "MainThread":
            self._frames[-1][1][0] = True

    def guard(self, node: cst.CSTNode) -> Guard:
        return self.guards.get(id(node), _NONE)


def _handled(handler: cst.ExceptHandler) -> str:
    """The names one handler catches, joined; ``*`` for a bare ``except:``."""
    if handler.type is None:
        return BARE
    types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    names = []
    for element in types:
        value = element.value if isinstance(element, cst.Element) else element
        if isinstance(value, cst.Name):
            names.append(value.value)
        elif isinstance(value, cst.Attribute):
            names.append(value.attr.value)
    return "|".join(names) or BARE


def catches(guard: Guard, exceptions: frozenset[str]) -> bool:
    """Does a ``try`` around the node have a handler for any of ``exceptions``?"""
    return any(name in exceptions for caught in guard.catches for name in caught.split("|"))


def thread_reach(model: ModuleModel, tracking: GuardTracking, exceptions: frozenset[str]) -> dict[str, DispatchSite]:
    """Function -> the first thread site that reaches it, through the module's calls, skipping a call
    that a ``try`` with a handler for ``exceptions`` protects (the exception never leaves it)."""
    edges: dict[str, set[str]] = {}
    for call in model.calls:
        if call.caller and call.callee and not catches(tracking.guard(call.node), exceptions):
            edges.setdefault(call.caller, set()).add(call.callee)
    reach: dict[str, DispatchSite] = {}
    for site in sorted(model.dispatches, key=lambda s: (s.line, s.column)):
        if site.context != THREAD or site.target is None or model.function(site.target) is None:
            continue
        stack = [site.target]
        while stack:
            current = stack.pop()
            if current in reach:
                continue
            reach[current] = site
            stack.extend(edges.get(current, ()))
    return reach


def label(model: ModuleModel, qualname: Optional[str]) -> str:
    """How a message names a function: ``Poller.run`` for a method, ``worker`` otherwise."""
    fn = model.function(qualname)
    if fn is None:
        return qualname or "<module>"
    if fn.class_qualname:
        return f"{fn.class_qualname.rsplit('.', 1)[-1]}.{fn.name}"
    return fn.name


def enclosing_function(model: ModuleModel, line: int) -> Optional[str]:
    """The innermost function (not lambda) of the module whose lines hold ``line``."""
    best = None
    for fn in model.functions.values():
        if fn.is_lambda or not fn.line <= line <= fn.end_line:
            continue
        if best is None or fn.line >= best.line:
            best = fn
    return best.qualname if best else None


def how_it_runs(model: ModuleModel, function: str, site: DispatchSite) -> str:
    """Where a message says the code runs: ``thread `serve` (started at line 20)``, or, for a function
    the thread calls, ``helper``, run by thread `serve` (started at line 20),``."""
    target = label(model, site.target)
    if function == site.target:
        return f"thread `{target}` ({site.where})"
    return f"`{label(model, function)}`, run by thread `{target}` ({site.where}),"
