"""An edited module parsed again from the parts that did not change: the language server's parse.

libcst parses a 2,000-line module in about 200 ms, most of what an editor may wait for diagnostics after
a keystroke, and a keystroke changes one top-level statement. ``Reparser.parse`` cuts the source into
pieces at the top-level statements CPython's parser found, parses each piece with libcst (and computes
its positions) once per distinct text, and joins the pieces into the module a whole parse gives: the
same nodes, field for field, at the same positions (``tests/test_reparse.py`` compares both on every
fixture and source file). An unchanged piece gives the same node objects from one parse to the next.

A piece holds one top-level statement (or several sharing lines) and the blank and comment lines above
it. The source is parsed whole instead where a cut could change what libcst gives:
- line endings other than ``\\n``, or a form feed (libcst records them as written, per line);
- lines between two statements that are neither empty nor a comment at column 0 (libcst gives an
  indented comment or a line of spaces after a block to the block's footer, not to the next statement);
- pieces with blocks whose first indentation differs (libcst writes a block's indentation only where it
  differs from the module's first one);
- a piece libcst rejects on its own, or a source without statements.
"""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from .positions import Positions, positions


class _Piece:
    __slots__ = ("module", "statements", "raw", "lines", "end", "has_block")

    def __init__(self, text: str, first: bool) -> None:
        self.module = module = cst.parse_module(text)
        self.lines = text.count("\n")
        self.raw = positions(module).raw
        self.end = self.raw.pop(id(module))[2:]  # where libcst's module ends (past a missing last newline)
        body = list(module.body)
        if not first and module.header:
            # A whole parse gives the lines above a statement to the statement, not to a module header.
            old = body[0]
            body[0] = old.with_changes(leading_lines=(*module.header, *old.leading_lines))
            self.raw[id(body[0])] = self.raw.pop(id(old))
        self.statements = body
        self.has_block = any(type(s) is not cst.SimpleStatementLine for s in body)


class Reparser:
    """One document's parses: each keeps the pieces it used, for the next parse of the same document."""

    def __init__(self) -> None:
        self._pieces: dict[tuple[str, bool], list[_Piece]] = {}

    def parse(self, text: str, tree: Optional[ast.Module]) -> tuple[cst.Module, Optional[Positions]]:
        """libcst's module for ``text`` and its positions (None: compute them from the module), given
        CPython's ``tree`` of the same text (None: parse whole). Raises what ``cst.parse_module`` raises."""
        cuts = _cuts(text, tree) if tree is not None else None
        if cuts is None:
            self._pieces = {}
            return cst.parse_module(text), None
        kept: dict[tuple[str, bool], list[_Piece]] = {}
        pieces = []
        for n, (start, end) in enumerate(cuts):
            key = (text[start:end], n == 0)
            earlier = self._pieces.get(key)
            # a piece is used once per module: two equal statements are two nodes, at two positions
            piece = earlier.pop() if earlier else None
            if piece is None:
                try:
                    piece = _Piece(key[0], first=n == 0)
                except cst.ParserSyntaxError:
                    self._pieces = {}
                    return cst.parse_module(text), None
            kept.setdefault(key, []).append(piece)
            pieces.append(piece)
        self._pieces = kept
        joined = _join(text, pieces)
        if joined is None:
            return cst.parse_module(text), None
        return joined


def _cuts(text: str, tree: ast.Module) -> Optional[list[tuple[int, int]]]:
    """(start, end) character offsets of each piece, covering ``text``; None: parse it whole."""
    if not tree.body or "\r" in text or "\f" in text:
        return None
    starts = [0]  # offset of each line's start; line n (1-based) starts at starts[n - 1]
    find = text.find
    at = find("\n")
    while at != -1:
        starts.append(at + 1)
        at = find("\n", at + 1)
    starts.append(len(text))
    pieces: list[list[int]] = []  # [first line, last line] of each piece
    last = 0
    for statement in tree.body:
        first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
        between = range(last + 1, first)
        line = text[starts[first - 1]:starts[first - 1] + 1]
        if pieces and (first <= last or line in (" ", "\t", "#", "\n", "")
                       or not all(text[starts[n - 1]] in "#\n" for n in between)):
            pieces[-1][1] = statement.end_lineno
        else:
            pieces.append([last + 1, statement.end_lineno])
        last = max(last, statement.end_lineno)
    if not pieces or pieces[0][0] != 1:
        return None
    cuts = [(starts[a - 1], starts[b]) for a, b in pieces]
    cuts[-1] = (cuts[-1][0], len(text))  # the last piece takes the lines after it (the module's footer)
    return cuts


def _join(text: str, pieces: list[_Piece]) -> Optional[tuple[cst.Module, Positions]]:
    indent = None
    for piece in pieces:
        if piece.has_block:
            if indent is None:
                indent = piece.module.default_indent
            elif piece.module.default_indent != indent:
                return None
    if any(piece.module.footer for piece in pieces[:-1]):
        return None
    first, last = pieces[0].module, pieces[-1].module
    body = [statement for piece in pieces for statement in piece.statements]
    module = cst.Module(body=body, header=first.header, footer=last.footer, encoding=first.encoding,
                        default_indent=indent or first.default_indent, default_newline=first.default_newline,
                        has_trailing_newline=last.has_trailing_newline)
    raw: dict = {}
    shift = 0  # the lines of the pieces above
    for piece in pieces:
        raw.update({key: (a + shift, b, c + shift, d) for key, (a, b, c, d) in piece.raw.items()}
                   if shift else piece.raw)
        end = (piece.end[0] + shift, piece.end[1])
        shift += piece.lines
    raw[id(module)] = (1, 0, *end)  # the module ends where its last piece does
    return module, Positions(raw, module)
