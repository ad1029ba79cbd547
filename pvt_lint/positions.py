"""Exact node positions, computed the way libcst's ``PositionProvider`` computes them, at about half the cost.

``MetadataWrapper.resolve(PositionProvider)`` spends its time in three places: the code generator, a
``contextlib.contextmanager`` object created for every node with a syntactic position, and one extra full
traversal of the tree with an empty batch of visitors (libcst's resolver walks the module for batchable
providers even when there are none). Here the same code generator runs with a state whose position
bookkeeping is a plain context-manager class and a newline check without a regex split, that keys the
ranges by ``id(node)`` (a libcst node's ``__hash__`` is a Python call) and keeps no generated text, and
nothing else walks the tree. The result is the same ranges, node for node: ``tests/test_positions.py`` compares them with
libcst's provider on every fixture, and ``benchmarks/`` did so on every corpus file.
"""

from __future__ import annotations

from libcst import Module
from libcst._position import CodePosition, CodeRange
from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState


class _Recorder:
    __slots__ = ("state", "key", "start_key", "end_key", "start")

    def __init__(self, state, key, start_key, end_key) -> None:
        self.state = state
        self.key = key
        self.start_key = start_key
        self.end_key = end_key

    def __enter__(self) -> None:
        self.start = (self.state.line, self.state.column)

    def __exit__(self, *exc_info) -> None:
        state = self.state
        raw = state.raw
        start = raw[self.start_key][:2] if self.start_key is not None else self.start
        end = raw[self.end_key][2:] if self.end_key is not None else (state.line, state.column)
        raw[self.key] = start + end


class _FastPositionState(PositionProvidingCodegenState):
    """Records (start line, start column, end line, end column) tuples by ``id(node)``: libcst nodes hash
    by identity through a Python-level ``__hash__``, and the tree keeps every node alive while the
    positions are in use. No generated text is kept: only the line and column move."""

    def add_token(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:  # indentation holds no newline
            self.column += len(token)

    def before_codegen(self, node) -> None:
        self._stack.append((self.line, self.column))

    def after_codegen(self, node) -> None:
        # a syntactic position recorded inside the node wins
        self.raw.setdefault(id(node), self._stack.pop() + (self.line, self.column))

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        return _Recorder(self, id(node), None if start_node is None else id(start_node),
                         None if end_node is None else id(end_node))


class Positions:
    """node -> CodeRange; a range object is built only for the nodes someone asks about. It keeps the
    module, whose nodes' identities are its keys."""

    def __init__(self, raw: dict, module: Module) -> None:
        self.raw = raw  # id(node) -> (start line, start column, end line, end column)
        self._module = module
        self._ranges: dict = {}

    def __getitem__(self, node) -> CodeRange:
        key = id(node)
        found = self._ranges.get(key)
        if found is None:
            sl, sc, el, ec = self.raw[key]
            found = self._ranges[key] = CodeRange(CodePosition(sl, sc), CodePosition(el, ec))
        return found

    def __contains__(self, node) -> bool:
        return id(node) in self.raw

    def __len__(self) -> int:
        return len(self.raw)


def positions(module: Module) -> Positions:
    """node -> CodeRange, equal to ``MetadataWrapper(module).resolve(PositionProvider)``."""
    state = _FastPositionState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=None,
    )
    state.raw = {}
    # The tokens are not kept; Module's code generator only asks whether there are any.
    if module.header or module.body or module.footer:
        state.tokens.append("")
    module._codegen(state)
    return Positions(state.raw, module)
