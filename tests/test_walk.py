"""The engine's walk calls visitor methods exactly as libcst's batched visit does, in the same order."""

from __future__ import annotations

import dataclasses

import libcst as cst
import pytest

from helpers import ROOT
from pvt_lint.engine import on_deep_stack
from pvt_lint.walk import Walker
from helpers import ODD, SOURCES, parsable_text

NODE_CLASSES = sorted(
    (c for c in vars(cst).values() if isinstance(c, type) and issubclass(c, cst.CSTNode) and dataclasses.is_dataclass(c)),
    key=lambda c: c.__name__,
)


def _recording_visitor_class():
    """A batchable visitor with a visit/leave method for every node class and every field."""

    def recorder(label):
        def method(self, node):
            self.calls.append((label, id(node)))

        method.__name__ = label  # libcst finds visitor methods by their __name__
        return method

    methods = {}
    for cls in NODE_CLASSES:
        name = cls.__name__
        methods[f"visit_{name}"] = recorder(f"visit_{name}")
        methods[f"leave_{name}"] = recorder(f"leave_{name}")
        for field in dataclasses.fields(cls):
            methods[f"visit_{name}_{field.name}"] = recorder(f"visit_{name}_{field.name}")
            methods[f"leave_{name}_{field.name}"] = recorder(f"leave_{name}_{field.name}")
    return type("Recorder", (cst.BatchableCSTVisitor,), methods)


Recorder = _recording_visitor_class()


class NamesOnly(cst.BatchableCSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list = []

    def visit_Name(self, node):
        self.calls.append(("visit_Name", node.value))

    def leave_Call_func(self, node):
        self.calls.append(("leave_Call_func", id(node)))


def _new(cls):
    visitor = cls()
    visitor.calls = []
    return visitor


def same_calls(text: str) -> None:
    module = cst.parse_module(text)
    for cls in (Recorder, NamesOnly):
        theirs, first, mine = _new(cls), _new(cls), _new(cls)
        cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([theirs, first])
        Walker([mine, _new(cls)]).walk(module)
        # Every module has nodes; one of only a docstring has no Name for NamesOnly to see.
        assert theirs.calls or cls is NamesOnly, "nothing was visited"
        assert mine.calls == theirs.calls == first.calls


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_walk_equals_libcst_on_real_files(path):
    on_deep_stack(same_calls, parsable_text(path))


@pytest.mark.parametrize("text", [t for t in ODD if t.strip()])
def test_walk_equals_libcst_on_odd_code(text):
    on_deep_stack(same_calls, text)


def test_token_subtrees_are_entered_only_when_someone_looks_at_them():
    class Tokens(cst.BatchableCSTVisitor):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list = []

        def visit_Comma(self, node):
            self.calls.append("Comma")

        def visit_SimpleWhitespace(self, node):
            self.calls.append(repr(node.value))

    module = cst.parse_module("f(a, b)  # c\n")
    theirs, mine = Tokens(), Tokens()
    cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([theirs])
    walker = Walker([mine])
    walker.walk(module)
    assert mine.calls == theirs.calls == ["''", "''", "''", "Comma", "''", "' '", "''", "''", "''", "'  '"]
    names = NamesOnly()
    walker = Walker([names])
    walker.walk(module)
    call = module.body[0].body[0].value
    assert names.calls == [("visit_Name", "f"), ("leave_Call_func", id(call)), ("visit_Name", "a"), ("visit_Name", "b")]
    # Fields that can hold only tokens are not even read: no token node is met.
    assert sorted(cls.__name__ for cls in walker._plans) == ["Arg", "Call", "Expr", "Module", "Name", "SimpleStatementLine"]
    looking = Walker([Tokens()])
    looking.walk(module)
    assert len(looking._plans) == 11 and None not in looking._plans.values()
