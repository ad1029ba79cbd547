"""Exact node positions, computed the way libcst's ``PositionProvider`` computes them, at about half the cost.

``MetadataWrapper.resolve(PositionProvider)`` spends its time in three places: the code generator, a
``contextlib.contextmanager`` object created for every node with a syntactic position, and one extra full
traversal of the tree with an empty batch of visitors (libcst's resolver walks the module for batchable
providers even when there are none). Here the same code generator runs with a state whose position
bookkeeping is a plain context-manager class and a newline check without a regex split, and nothing else
walks the tree. The result is the same mapping, node for node: ``tests/test_positions.py`` compares it with
libcst's provider on every fixture, and ``benchmarks/`` did so on every corpus file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from libcst import Module
from libcst._position import CodePosition, CodeRange
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState


class _Recorder:
    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state, node, start_node, end_node) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc_info) -> None:
        state = self.state
        raw = state.raw
        start = raw[self.start_node][:2] if self.start_node is not None else self.start
        end = raw[self.end_node][2:] if self.end_node is not None else (state.line, state.column)
        raw[self.node] = start + end


class _FastPositionState(PositionProvidingCodegenState):
    """Records (start line, start column, end line, end column) tuples; CodeRanges are made on demand."""

    def _update_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node) -> None:
        self._stack.append((self.line, self.column))

    def after_codegen(self, node) -> None:
        start = self._stack.pop()
        raw = self.raw
        if node not in raw:  # a syntactic position recorded inside the node wins
            raw[node] = start + (self.line, self.column)

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        return _Recorder(self, node, start_node, end_node)


class Positions(Mapping):
    """node -> CodeRange; a range object is built only for the nodes someone asks about."""

    def __init__(self, raw: dict) -> None:
        self._raw = raw
        self._ranges: dict = {}

    def __getitem__(self, node) -> CodeRange:
        found = self._ranges.get(node)
        if found is None:
            sl, sc, el, ec = self._raw[node]
            found = self._ranges[node] = CodeRange(CodePosition(sl, sc), CodePosition(el, ec))
        return found

    def __contains__(self, node) -> bool:
        return node in self._raw

    def __iter__(self) -> Iterator:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def positions(module: Module) -> Positions:
    """node -> CodeRange, equal to ``MetadataWrapper(module).resolve(PositionProvider)``."""
    state = _FastPositionState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=None,
    )
    state.raw = {}
    module._codegen(state)
    return Positions(state.raw)
