"""Loops and comprehensions, tracked once for the whole walk.

Call sites read how deep in loops they are and which names the loops around them bind (a dispatch in a
loop runs several copies at once); the CPU profile reads each loop's record (what it iterates, the work
and the calls in its body).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

import libcst as cst

from .definitions import DefinitionVisitor
from .syntax import names_bound

# Loops with a literal bound below this are too short to matter.
TINY_LOOP = 100

# Names that say a loop iterates a file, a socket or a stream: an I/O loop.
IO_ITERABLE_NAMES = frozenset(
    {"f", "fh", "fp", "fd", "file", "infile", "stream", "sock", "socket", "conn", "connection",
     "response", "resp", "reader", "stdin", "pipe", "lines_in", "rfile", "handle"}
)


@dataclass
class Loop:
    """A ``for``/``while`` loop or a comprehension inside a function."""

    function: Optional[str]
    kind: str  # "for", "while", "comprehension"
    line: int
    column: int
    end_line: int
    node: cst.CSTNode
    bound: Optional[int] = None  # iterations, when the iterable is a literal (range(10), [1, 2])
    io_iterable: bool = False  # iterates something named like a file or socket
    ops: int = 0  # arithmetic, comparisons and indexing in the body (nested loops included)
    calls: list[cst.Call] = field(default_factory=list)  # calls in the body, nested loops included

    @property
    def tiny(self) -> bool:
        return self.bound is not None and self.bound < TINY_LOOP


class LoopTracker(cst.BatchableCSTVisitor):
    """Keeps each frame's loop depth and loop names, and a record of every loop.

    A ``for``/``while`` loop is *active* (its body runs repeatedly) only inside its body: a
    ``while x < n: pass`` test is a wait, not work. A comprehension is active throughout; its element
    is visited before its ``for``, so the whole comprehension counts as a loop binding the names of
    every one of its ``for`` clauses.
    """

    def __init__(self, definitions: DefinitionVisitor, positions) -> None:
        super().__init__()
        self._definitions = definitions
        self._positions = positions
        self.loops: list[Loop] = []  # every loop, in source order
        # The loops the walk is inside, innermost last, each with [active]: read on every operator.
        self.open: list[tuple[Loop, list[bool]]] = []

    def active(self, function: Optional[str]) -> Iterator[Loop]:
        """The open loops of ``function`` whose body the walk is in."""
        for loop, state in self.open:
            if state[0] and loop.function == function:
                yield loop

    def _enter(self, node: cst.CSTNode, kind: str, iterable: Optional[cst.BaseExpression], names, active: bool) -> None:
        frame = self._definitions.frame
        frame.loop_depth += 1
        if names is not None:
            frame.loop_names.append(names)
        pos = self._positions[node]
        loop = Loop(frame.qualname, kind, pos.start.line, pos.start.column, pos.end.line, node)
        if iterable is not None:
            loop.bound = _literal_length(iterable)
            loop.io_iterable = _looks_like_io(iterable)
        self.loops.append(loop)
        self.open.append((loop, [active]))

    def _leave(self, names: bool) -> None:
        frame = self._definitions.frame
        frame.loop_depth -= 1
        if names:
            frame.loop_names.pop()
        self.open.pop()

    def visit_For(self, node: cst.For) -> None:
        self._enter(node, "for", node.iter, names_bound(node.target), False)

    def visit_For_body(self, node: cst.For) -> None:
        self.open[-1][1][0] = True

    def leave_For_body(self, node: cst.For) -> None:
        self.open[-1][1][0] = False

    def leave_For(self, original_node: cst.For) -> None:
        self._leave(names=True)

    def visit_While(self, node: cst.While) -> None:
        self._enter(node, "while", None, None, False)

    def visit_While_body(self, node: cst.While) -> None:
        self.open[-1][1][0] = True

    def leave_While_body(self, node: cst.While) -> None:
        self.open[-1][1][0] = False

    def leave_While(self, original_node: cst.While) -> None:
        self._leave(names=False)

    # Each ``for`` clause of a comprehension adds to the depth too (no loop record of its own).
    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._definitions.frame.loop_depth += 1

    def leave_CompFor(self, original_node: cst.CompFor) -> None:
        self._definitions.frame.loop_depth -= 1

    def _enter_comprehension(self, node) -> None:
        names: set[str] = set()
        clause = node.for_in
        while clause is not None:
            names |= names_bound(clause.target)
            clause = clause.inner_for_in
        self._enter(node, "comprehension", node.for_in.iter, frozenset(names), True)

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._enter_comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave(names=True)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._enter_comprehension(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._leave(names=True)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._enter_comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave(names=True)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._enter_comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave(names=True)


def _literal_length(expr: cst.BaseExpression) -> Optional[int]:
    """How many items a literal iterable has: ``range(50)``, ``range(2, 10, 2)``, ``[1, 2, 3]``."""
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        if any(isinstance(e, cst.StarredElement) for e in expr.elements):
            return None
        return len(expr.elements)
    if isinstance(expr, cst.SimpleString):
        try:
            return len(expr.evaluated_value)
        except Exception:  # pragma: no cover - a string libcst cannot evaluate
            return None
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "range":
        numbers = []
        for arg in expr.args:
            if arg.keyword is not None or arg.star:
                return None
            value = _literal_int(arg.value)
            if value is None:
                return None
            numbers.append(value)
        if not 1 <= len(numbers) <= 3:
            return None
        try:
            return len(range(*numbers))
        except ValueError:
            return None
    return None


def _literal_int(expr: cst.BaseExpression) -> Optional[int]:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value.replace("_", ""), 0)
        except ValueError:
            return None
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        inner = _literal_int(expr.expression)
        return -inner if inner is not None else None
    return None


def _looks_like_io(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value in IO_ITERABLE_NAMES
    if isinstance(expr, cst.Name):
        return expr.value in IO_ITERABLE_NAMES
    return False
