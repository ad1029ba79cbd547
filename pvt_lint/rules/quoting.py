"""How a message quotes code (the expression or statement only, on one line, without comments, short)
and names the state it is about.

A finding's message is read in a terminal, a review comment and a GitLab fingerprint. The source
line it points at may carry a comment (a private note, a ``# noqa``, a TODO with a name in it):
nothing of that belongs in the message, so quoted code is rebuilt from its tokens, not cut from
the line.
"""

from __future__ import annotations

import io
import tokenize
from functools import lru_cache
from typing import Optional

import libcst as cst

from ..model import SELF
from ..model.threads import describe

LIMIT = 40  # characters of quoted code, "…" included
_SKIPPED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                      tokenize.ENDMARKER})
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")


@lru_cache(maxsize=1024)  # nodes never change; the language server's parses share unchanged statements
def quote(node: cst.CSTNode, limit: int = LIMIT) -> str:
    """``node`` as a message quotes it: an ``if`` as its test, another compound statement as its
    header, a simple statement line as its statements; one line (a line break inside a string shown as
    ``\\n``), comments dropped, at most ``limit`` characters."""
    if isinstance(node, cst.If):
        text = "if " + one_line(_code(node.test))
    elif isinstance(node, cst.BaseCompoundStatement):
        text = one_line(_code(node), header=True)
    else:
        if isinstance(getattr(node, "semicolon", None), cst.Semicolon):  # `x += 1;` of `x += 1; y = 2`
            node = node.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        text = one_line(_code(node))
    return shorten(text.replace("\r", "\\r").replace("\n", "\\n"), limit)


def shorten(text: str, limit: int = LIMIT) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(code: str, header: bool = False) -> str:
    """Python code as one line without comments: tokens on one source line keep one space between
    them where they had any; a line break becomes a space, or nothing next to a bracket. With
    ``header``, only the part before the first ``:`` outside brackets (``with lock``, ``for x in xs``).
    """
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in _SKIPPED]
    except (tokenize.TokenError, SyntaxError):
        # Not tokenizable on its own (it never happens for a node libcst printed): the first line, uncommented.
        return code.strip().splitlines()[0].split("#", 1)[0].strip() if code.strip() else ""
    parts: list[str] = []
    depth = 0
    previous = None
    for token in tokens:
        if header and depth == 0 and token.type == tokenize.OP and token.string == ":":
            break
        if previous is not None:
            if token.start[0] == previous.end[0]:
                if token.start[1] > previous.end[1]:
                    parts.append(" ")
            elif previous.string == "," and token.string in _CLOSING:
                parts.pop()  # the trailing comma of a bracket that closes on its own line
            elif previous.string not in _OPENING and token.string not in _CLOSING:
                parts.append(" ")
        parts.append(token.string)
        if token.type == tokenize.OP:
            depth += token.string in _OPENING
            depth -= token.string in _CLOSING
        previous = token
    return "".join(parts)


def _code(node: cst.CSTNode) -> str:
    if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        node = node.with_changes(leading_lines=())
    return cst.Module([]).code_for_node(node)


def quote_statement(access) -> str:
    """The statement an access (a model ``Access``) is in, or its target as written when it has none."""
    if access.statement is not None:
        return quote(access.statement)
    return shorten(one_line(access.text))


def state_name(model, qualname: Optional[str], ref) -> str:
    """How a message names a piece of state (``describe``), with ``self`` spelled as the function
    ``qualname`` spells its receiver: ``cls.last`` in a classmethod, not ``self.last``."""
    fn = model.function(qualname) if qualname else None
    if ref.kind == SELF and fn is not None and fn.self_name and fn.self_name != "self":
        return f"`{fn.self_name}.{ref.name}`"
    return describe(ref)
