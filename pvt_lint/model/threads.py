"""Thread facts, resolved from a ModuleModel: what runs in threads, with which ``self``, and who
else writes the same state.

A "party" is one independent flow of control that can touch a piece of state: a thread dispatch
site, or ``MAIN`` for code that other threads (the owner of an object, the main thread) run. State
written by two parties, or by one party that runs several copies of itself at once, can race.
"""

from __future__ import annotations

from functools import cached_property
from typing import Optional, Union

import libcst as cst

from .. import apis
from ..apis import lock_like
from .facts import (
    FREE,
    GLOBAL,
    MODULE,
    SELF,
    STORE,
    Access,
    DispatchSite,
    StateRef,
)
from .cross_module import remote_caller_locks, remote_thread_runs
from .check_then_act import CheckThenAct, CheckThenActs, StateKey, state_key  # noqa: F401  (re-exported)
from .syntax import dotted
from .locks import INIT_METHODS

MAIN = "main"
_A_GLOBAL = StateRef(GLOBAL, "")
Party = Union[DispatchSite, str]

# Methods that run before the object is shared, so their writes cannot race.
# Bases that call none of a subclass's methods.
_INERT_BASES = frozenset({"object", "typing.Generic", "typing.Protocol", "abc.ABC"})

# Methods whose test result an action can rely on (removing or replacing what was tested).
THREAD_LOCAL_TYPES = frozenset({"threading.local", "_thread._local", "_threading_local.local"})

class ThreadFacts:
    """Read from the ``ModuleModel`` facade's public queries (this module does not import it)."""

    def __init__(self, model) -> None:
        self.model = model

    # ---- what runs in threads --------------------------------------------------------------
    @cached_property
    def runs(self) -> dict[str, dict[int, tuple[DispatchSite, bool]]]:
        """Function -> {id(site): (site, self is shared)} for every thread site that reaches it.

        ``self`` is shared when the thread was handed a bound method of an existing object
        (``target=self.work``, a Thread subclass's ``run``) and the call chain keeps to that
        object (``self.helper()``) or to module-level instances; an object the thread code
        creates itself (``Foo().bar()``) is private to it.
        """
        out: dict[str, dict[int, tuple[DispatchSite, bool]]] = {}
        edges = self._edges
        for site in self.model.dispatches:
            if site.context != apis.THREAD or site.target is None:
                continue
            start = self.model.function(site.target)
            if start is None:
                continue
            state: dict[str, bool] = {site.target: start.is_method}
            stack = [site.target]
            while stack:
                current = stack.pop()
                for callee, keeps_self in edges.get(current, ()):
                    shared = state[current] if keeps_self == "self" else keeps_self == "shared"
                    if callee not in state or (shared and not state[callee]):
                        state[callee] = shared or state.get(callee, False)
                        stack.append(callee)
            for qualname, shared in state.items():
                entry = out.setdefault(qualname, {})
                previous = entry.get(id(site))
                entry[id(site)] = (site, shared or (previous[1] if previous else False))
        for qualname, found in remote_thread_runs(self.model).items():  # threads of other modules
            if qualname in out:
                # Code this module's own threads run: another module starting the same code (celery's
                # integration test runs beat's Service.start in a Thread of its own) is another program.
                continue
            entry = out.setdefault(qualname, {})
            for site, shared in found:
                entry[id(site)] = (site, shared)
        return out

    @cached_property
    def _edges(self) -> dict[str, list[tuple[str, str]]]:
        """Caller -> [(callee, how the callee's self relates: "self", "shared", "private")]."""
        model = self.model
        out: dict[str, list[tuple[str, str]]] = {}
        handed = self._handed_to_loop
        for call in model.calls:
            if not call.caller or not call.callee or id(call.node) in handed:
                continue
            out.setdefault(call.caller, []).append((call.callee, self._self_relation(call)))
        return out

    @cached_property
    def _handed_to_loop(self) -> set[int]:
        """Calls that only create a coroutine for another thread's loop: ``run_coroutine_threadsafe(f(), loop)``
        runs ``f`` on the loop's thread, so the caller's thread does not run it."""
        out: set[int] = set()
        for call in self.model.calls:
            if call.qualname in apis.HANDS_COROUTINE_TO_LOOP and call.node.args:
                first = call.node.args[0].value
                if isinstance(first, cst.Call):
                    out.add(id(first))
        return out

    def _self_relation(self, call) -> str:
        func = call.node.func
        callee = self.model.function(call.callee)
        if callee is None or not callee.is_method:
            return "shared"
        selves = self.model.selves(call.scope)
        if _is_name(func):  # Cls(...): a new object
            return "private"
        value = getattr(func, "value", None)
        if _is_name(value):
            name = value.value
            if name in selves:
                return "self"
            if name in self.model.classes:
                return "shared"
            found = self.model.lookup(name, call.scope)
            if found is not None:
                return "shared" if found[0] == MODULE else "private"
            return "shared"
        inner = getattr(value, "value", None)
        if _is_name(inner) and inner.value in selves:
            return "self"  # self.worker.run(): an object the shared instance holds
        return "shared"

    def sites_for(self, access_or_function: Union[Access, Optional[str]], ref: Optional[StateRef] = None) -> list[DispatchSite]:
        """Thread sites that run a function, with its ``self`` shared when ``ref`` is SELF state."""
        function = access_or_function.function if isinstance(access_or_function, Access) else access_or_function
        entry = self.runs.get(function or "", {})
        return [site for site, shared in entry.values() if ref is None or ref.kind != SELF or shared]

    def is_init(self, qualname: Optional[str], _seen: Optional[set] = None) -> bool:
        """Code that runs before an object or module is shared: constructors and their helpers."""
        fn = self.model.function(qualname)
        if fn is None:
            return qualname is None  # module level: import time
        if fn.is_method and fn.name in INIT_METHODS:
            return True
        seen = _seen if _seen is not None else set()
        if qualname in seen or not fn.is_method:
            return False
        seen.add(qualname)
        callers = self.model.callers_of(qualname)
        return bool(callers) and all(call.caller is not None and self.is_init(call.caller, seen) for call in callers)

    def parties(self, access: Access) -> list[Party]:
        """The flows of control that perform this write (see the module docstring)."""
        ref = access.ref
        out: list[Party] = list(self.sites_for(access, ref))
        if self.main_party(access.function, ref):
            out.append(MAIN)
        return out

    def main_party(self, qualname: Optional[str], ref: Optional[StateRef]) -> bool:
        if qualname is not None and qualname in self.runs and ref is not None and ref.kind == GLOBAL:
            # A helper of the thread that reaches a module global is also the main flow's when code no
            # thread runs calls it (zoty's ``_get_zot``: the index thread and every tool call).
            return any(self._main_caller(call.caller) for call in self.model.callers_of(qualname))
        if qualname is None or self.is_init(qualname) or qualname in self.runs:
            # Code that the thread itself also runs is not taken to run at the same time elsewhere:
            # telnetlib's listener thread and the read_* methods share helpers, but not at once.
            return False
        fn = self.model.function(qualname)
        if fn is None or fn.is_lambda:
            return False
        if ref is not None and ref.kind == SELF:
            # Another method of a running Thread object: whoever owns it calls it while it runs.
            # Other classes' methods are not assumed to run while a thread of theirs does (telnetlib's
            # read_until and its mt_interact listener thread are alternatives, not concurrent).
            return fn.is_method and bool(self.model.class_bases(ref.owner) & apis.THREAD_CLASSES)
        if ref is not None and ref.kind == FREE:
            return False  # the enclosing function starts and usually joins the thread
        # A function that starts threads itself usually reads their results after joining them.
        return not any(site.caller == qualname for site in self.model.dispatches)

    def _main_caller(self, caller: Optional[str]) -> bool:
        """Does the main flow run ``caller`` (no thread runs it, and it is no constructor or starter)?"""
        return caller is not None and caller not in self.runs and self.main_party(caller, _A_GLOBAL)

    def races(self, parties: list[Party], ref: StateRef) -> bool:
        """Two parties, or one thread site that runs several copies at once on the same state.

        For ``self`` state, every site that starts a Thread subclass's ``run`` is one party, the
        object's own thread: ``Thread.start()`` runs once per object, so two such sites start two
        objects, each with its own ``self`` (a test module that starts a fresh server thread in every
        test does not share one server's buffer between them).
        """
        distinct = {_party_key(p, ref) for p in parties}
        if len(distinct) >= 2:
            return True
        for party in parties:
            if isinstance(party, DispatchSite) and party.concurrent:
                if ref.kind == SELF and party.role == "run":
                    continue  # each Thread subclass instance has its own self
                return True
        return False

    # ---- state ----------------------------------------------------------------------------
    def is_shared(self, ref: Optional[StateRef]) -> bool:
        return ref is not None and ref.shared and not self.is_thread_local(ref)

    def is_thread_local(self, ref: StateRef) -> bool:
        """``threading.local()`` values (module names or ``self`` attributes), and their subclasses."""
        model = self.model
        value: Optional[str] = None
        if ref.kind == GLOBAL:
            binding = model.module_names.get(ref.name)
            value = binding.value if binding else None
            if value is None:
                value = model.value_of(ref.name)
        elif ref.kind == SELF:
            found = model.values.get((ref.owner, f"self.{ref.name}"))
            value = found[0] if found else None
        if ref.kind == SELF and model.class_bases(ref.owner) & THREAD_LOCAL_TYPES:
            return True
        if value is None or not value.endswith("()"):
            return False
        kind = value[:-2]
        return kind in THREAD_LOCAL_TYPES or bool(model.class_bases(kind) & THREAD_LOCAL_TYPES)

    @cached_property
    def writes_by_state(self) -> dict[StateKey, list[Access]]:
        out: dict[StateKey, list[Access]] = {}
        for access in self.model.writes():
            if self.is_shared(access.ref):
                out.setdefault(state_key(access.ref), []).append(access)
        return out

    def locks(self, access: Access, on_entry: bool = True) -> frozenset[str]:
        """Locks held at a write (by it or by every caller), counting only things that are locks:
        a lock-like name or a visible ``threading.Lock()``-style value, not any ``x.acquire()``.
        ``on_entry=False`` leaves out locks inferred from a release without an acquire."""
        held = self.model.effective_locks(access) | remote_caller_locks(self.model, access.function)
        if on_entry:
            held = held | self.held_on_entry(access.function, access.line)
        return frozenset(lock for lock in held if lock and _is_lock(self.model, lock, access.function))

    def held_on_entry(self, qualname: Optional[str], line: int) -> frozenset[str]:
        """Locks a function releases without having acquired them (a lock wrapper's ``release`` or
        ``__exit__``, whose caller acquired them): held from its start up to that release."""
        if not qualname:
            return frozenset()
        return frozenset(lock for lock, until in self._released_unacquired.get(qualname, {}).items() if line < until)

    @cached_property
    def _released_unacquired(self) -> dict[str, dict[str, int]]:
        """Function -> {lock text: line of its first ``release()`` with no earlier ``acquire()`` there}."""
        calls: dict[str, list] = {}
        for call in self.model.calls:
            func = call.node.func
            if call.caller and isinstance(func, cst.Attribute) and func.attr.value in ("acquire", "release"):
                calls.setdefault(call.caller, []).append(call)
        out: dict[str, dict[str, int]] = {}
        for qualname, found in calls.items():
            acquired: set[str] = set()
            for call in sorted(found, key=lambda c: (c.line, c.column)):
                receiver = dotted(call.node.func.value)
                if receiver is None:
                    continue
                if call.node.func.attr.value == "acquire":
                    acquired.add(receiver)
                elif receiver not in acquired and self._is_mutex(receiver, qualname):
                    out.setdefault(qualname, {}).setdefault(receiver, call.line)
        return out

    def _is_mutex(self, text: str, function: Optional[str]) -> bool:
        """A lock proper, by name or value. A semaphore (or a condition) released without an
        acquire is a signal to other threads, not the end of a region its caller entered."""
        return apis.mutex_like(text) or apis.mutex_value(self.model.resolve_in(text, function))

    def pairs_in_function(self, access: Access, guard: Access) -> bool:
        """Does the locked ``guard`` in ``access``'s own function say ``access`` needs the lock too? Only
        for the very same target (``self._conn._requests`` is not ``self._conn.orphans``), in a
        function two threads can be in at once."""
        same = access.text.split("[", 1)[0] == guard.text.split("[", 1)[0]
        return same and self.concurrent_with_itself(access.function, guard)

    def concurrent_with_itself(self, qualname: Optional[str], guard: Access) -> bool:
        """Can two threads be in ``qualname`` at once, so that its own locked ``guard`` write says the
        lock guards the state on its other paths too? Yes when the guard's lock is a mutex (a
        condition around a wait is a signal: a single consumer takes it) and the function is thread
        code that races (several copies, or a thread and the main flow), or a public method of the
        class that owns that lock (``self._lock``)."""
        mutexes = [text for text in self.locks(guard, on_entry=False) if self._is_mutex(text, guard.function)]
        if not mutexes:
            return False
        if self.runs.get(qualname or ""):
            return guard.ref is not None and self.races(self.parties(guard), guard.ref)
        return any(text.startswith("self.") for text in mutexes) and _public_entry(self.model, qualname)

    def guarded(self, writes: list[Access]) -> list[Access]:
        """The writes that show the author guards this state with a lock: updates, in-place changes
        or check-then-acts under a thread lock (a plain store that happens to sit inside a lock
        taken for something else is no such evidence), outside constructors and ``async def``.
        A lock only inferred to be held on entry (a release without an acquire) excuses a write but
        is no such evidence either: the pure-Python RLock's ``release`` runs with its ``_block``
        held, yet its reentrant ``acquire`` path updates the same count relying on ownership."""
        out = []
        for write in writes:
            if self.is_init(write.function) or self.is_async(write.function) or not self.locks(write, on_entry=False):
                continue
            if write.kind != STORE or id(write) in self.ctas.locked_acts:
                out.append(write)
        return out

    def is_async(self, qualname: Optional[str]) -> bool:
        """An ``async def``: its locks are asyncio locks, which order coroutines, not threads."""
        fn = self.model.function(qualname)
        return fn is not None and getattr(fn.node, "asynchronous", None) is not None

    # ---- check-then-act (check_then_act.py) -----------------------------------------------
    @cached_property
    def ctas(self) -> CheckThenActs:
        """The module's check-then-acts on shared state, with the locks held at each test."""
        return CheckThenActs(self)



def _public_entry(model, qualname: Optional[str]) -> bool:
    """A public method, or a private one some public method of its class calls (a few calls deep)."""
    fn = model.function(qualname)
    if fn is None or not fn.is_method:
        return False
    seen, todo = set(), [qualname]
    for _ in range(4):
        callers = []
        for current in todo:
            here = model.function(current)
            if here is None or here.class_qualname != fn.class_qualname or current in seen:
                continue
            seen.add(current)
            if not here.name.startswith("_") or (here.name.endswith("__") and here.name != "__init__"):
                return True
            found = [site.caller for site in model.callers_of(current) if site.caller not in (None, current)]
            if not found and _foreign_base(model, here.class_qualname):
                return True  # a hook the base class calls from its public methods (a pool's _do_get)
            callers.extend(found)
        todo = callers
    return False


def _foreign_base(model, class_qualname: Optional[str]) -> bool:
    """Does the class derive from a class of another module (whose code may call its hooks)?"""
    bases = model.class_bases(class_qualname) if class_qualname else set()
    return any(base not in model.classes and base.split("[", 1)[0] not in _INERT_BASES for base in bases)


def _is_lock(model, text: str, function: Optional[str]) -> bool:
    return lock_like(text) or apis.lock_value(model.resolve_in(text, function))


def _party_key(party: Party, ref: StateRef):
    if isinstance(party, str):
        return party
    if ref.kind == SELF and party.role == "run":
        return "own-thread"
    if ref.kind == SELF and party.path:
        # Threads of other modules each may hold their own instance (celery's tests each start their own
        # beat service): together one party; only a site running several copies at once races alone.
        return "other-modules"
    return id(party)


def describe(ref: StateRef) -> str:
    """How messages name a piece of state."""
    if ref.kind == GLOBAL:
        return f"global `{ref.name}`"
    if ref.kind == FREE:
        return f"enclosing variable `{ref.name}`"
    if ref.kind == SELF:
        return f"`self.{ref.name}`"
    return f"class attribute `{ref.display()}`"


def function_name(qualname: Optional[str]) -> str:
    return (qualname or "<module>").replace(".<locals>.", ".").split("@", 1)[0]


def _is_name(node) -> bool:
    return node is not None and type(node).__name__ == "Name"


__all__ = ["MAIN", "CheckThenAct", "ThreadFacts", "describe", "function_name", "state_key"]
