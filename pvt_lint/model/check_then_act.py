"""Check-then-acts: an ``if`` that tests shared state and writes that same state in its body, and the
locks held at the test (read by PVT202 and PVT203 through ``ThreadFacts.ctas``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional

from .cross_module import remote_caller_locks
from .facts import MUTATE, Access, IfInfo, StateRef

_ACTING_MUTATIONS = frozenset({"pop", "remove", "popitem", "popleft", "clear", "__delitem__", "__setitem__"})

StateKey = tuple[str, str, str]  # (kind, owner, name) of a StateRef


def state_key(ref: StateRef) -> StateKey:
    return (ref.kind, ref.owner, ref.name)


@dataclass
class CheckThenAct:
    """An ``if`` that tests shared state and, in its body, writes that same state."""

    test: IfInfo
    ref: StateRef
    acts: tuple[Access, ...]

    @property
    def function(self) -> Optional[str]:
        return self.test.function


class CheckThenActs:
    """Computed from a ``ThreadFacts`` (what is shared, what runs in threads), which it does not import."""

    def __init__(self, threads) -> None:
        self.threads = threads

    @cached_property
    def check_then_acts(self) -> list[CheckThenAct]:
        """``if`` tests of shared state whose body writes it (stores, deletes, pops, ``+=``)."""
        out: list[CheckThenAct] = []
        by_function: dict[Optional[str], list[Access]] = {}
        for access in self.threads.model.writes():
            by_function.setdefault(access.function, []).append(access)
        for test in self.threads.model.ifs:
            if test.function is None:
                continue
            first, last = test.body
            acts: dict[StateKey, list[Access]] = {}
            refs: dict[StateKey, StateRef] = {}
            for access in by_function.get(test.function, ()):
                if not (first <= access.line <= last) or not self.threads.is_shared(access.ref):
                    continue
                if access.kind == MUTATE and access.via not in _ACTING_MUTATIONS:
                    continue
                tested = (access.root, access.attr) if access.attr else (access.root, None)
                if tested not in test.tested:
                    continue
                key = state_key(access.ref)
                acts.setdefault(key, []).append(access)
                refs[key] = access.ref
            for key, found in acts.items():
                out.append(CheckThenAct(test, refs[key], tuple(found)))
        return out

    def locks_at_test(self, cta: CheckThenAct) -> frozenset[str]:
        """Locks held where the ``if`` tests, including those every caller holds."""
        held = (cta.test.locks | self.threads.model.caller_locks(cta.function) | remote_caller_locks(self.threads.model, cta.function)
                | self.threads.held_on_entry(cta.function, cta.test.line))
        return frozenset(lock for lock in held if lock)

    @cached_property
    def acts(self) -> set[int]:
        """ids of the writes that are the action of some check-then-act."""
        return {id(a) for cta in self.check_then_acts for a in cta.acts}

    @cached_property
    def locked_acts(self) -> set[int]:
        """ids of the writes that act on a test made under a lock."""
        return {id(a) for cta in self.check_then_acts if self.locks_at_test(cta) for a in cta.acts}
