"""Which parts of a module's project facts its judgement read, so that the project stage judges it again
only when one of those parts changed.

A project run judges each module first with the facts its own summary implies (``own_facts``), then,
once every summary is joined, again with the whole project's facts wherever the two differ. Most of the
difference is in parts the module's rules never look at (facts about functions no rule of this module
asks after), and judging again costs the whole analysis: CPython's and libcst's parse, positions, the
walk. So the first judgement runs with ``ReadFacts``, which notes every part read: a field, whether a
function has facts and which of their fields, a query's answer (the sends on one line), the facts'
truth. The rules are deterministic, so a judgement given the same answers to the same questions gives the same findings: ``same_answers`` asks the new
facts the noted questions, and a module whose answers are all unchanged keeps its first findings.
Anything else read of the facts (a method not listed here) marks the judgement as reading everything.
"""

from __future__ import annotations

import dataclasses

from .project_facts import FunctionFacts, ModuleFacts

_FIELDS = frozenset(f.name for f in dataclasses.fields(ModuleFacts))
_FUNCTION_FIELDS = frozenset(f.name for f in dataclasses.fields(FunctionFacts))
_QUERIES = frozenset({"sends_at", "process_functions", "thread_functions"})  # methods whose answer depends only on their arguments
_EVERYTHING = ("*",)


class ReadFacts:
    """``facts`` for the rules to read, noting in ``reads`` what they read."""

    __slots__ = ("_facts", "reads")

    def __init__(self, facts: ModuleFacts) -> None:
        self._facts = facts
        self.reads: set[tuple] = set()

    def __getattr__(self, name: str):
        value = getattr(self._facts, name)
        if name == "function":
            return self._function
        if name in _QUERIES:
            return lambda *args: self._query(name, args)
        self.reads.add((name,) if name in _FIELDS else _EVERYTHING)
        return value

    def _function(self, qualname: str):
        found = self._facts.function(qualname)
        self.reads.add(("function", qualname))
        return None if found is None else _ReadFunction(found, qualname, self.reads)

    def _query(self, name: str, args: tuple):
        self.reads.add(("query", name, args))
        return getattr(self._facts, name)(*args)

    def __bool__(self) -> bool:
        self.reads.add(("bool",))
        return bool(self._facts)

    def __eq__(self, other: object) -> bool:
        self.reads.add(_EVERYTHING)
        return self._facts == (other._facts if isinstance(other, ReadFacts) else other)

    __hash__ = None  # type: ignore[assignment]


class _ReadFunction:
    """One function's facts, noting which of their fields are read."""

    __slots__ = ("_facts", "_qualname", "_reads")

    def __init__(self, facts: FunctionFacts, qualname: str, reads: set) -> None:
        self._facts, self._qualname, self._reads = facts, qualname, reads

    def __getattr__(self, name: str):
        self._reads.add(("function", self._qualname, name) if name in _FUNCTION_FIELDS else _EVERYTHING)
        return getattr(self._facts, name)

    def __eq__(self, other: object) -> bool:
        self._reads.add(_EVERYTHING)
        return self._facts == (other._facts if isinstance(other, _ReadFunction) else other)

    __hash__ = None  # type: ignore[assignment]


def same_answers(reads: frozenset, new: ModuleFacts, old: ModuleFacts) -> bool:
    """Do ``new`` facts answer every question in ``reads`` as ``old`` did?"""
    for read in reads:
        what = read[0]
        if what == "function" and len(read) == 2:  # is there such a function?
            same = (new.function(read[1]) is None) == (old.function(read[1]) is None)
        elif what == "function":  # one field of its facts (both have it: a function read first is asked too)
            same = getattr(new.function(read[1]), read[2], None) == getattr(old.function(read[1]), read[2], None)
        elif what == "query":
            same = getattr(new, read[1])(*read[2]) == getattr(old, read[1])(*read[2])
        elif what == "bool":
            same = bool(new) == bool(old)
        elif what in _FIELDS:
            same = getattr(new, what) == getattr(old, what)
        else:
            return False
        if not same:
            return False
    return True
