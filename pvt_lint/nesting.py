"""How deeply expressions nest, measured before libcst's parser sees the code.

libcst's native parser takes time that grows much faster than linearly with expression depth
(measured with libcst 1.9: a chain of 1,000 subscripts ``a[0][0]...`` takes 6 s, 2,000 take
58 s, a 10,000-term ``a + a + ...`` five minutes) and overflows its stack (killing the whole
process) further on. CPython accepts such code, so it is measured on CPython's tree, without
recursion, and a file deeper than ``MAX_EXPRESSION_DEPTH`` is reported as not analysed. The
limit keeps the slowest construct measured (subscript chains) near ten seconds, and lets real
deep code through: 1,000 chained calls ``f()()...`` are 1,001 levels.

Statements are not counted: an ``elif`` chain nests ``If`` nodes but libcst parses it in
linear time. The deepest expression in the standard library and the benchmark corpora is 566
levels (a generated table in sympy). Code CPython rejects has no tree: its statements are
measured in tokens instead.
"""

from __future__ import annotations

import ast
import io
import tokenize
from typing import Optional

MAX_EXPRESSION_DEPTH = 1200


def expression_depth(tree: ast.AST) -> int:
    """The longest chain of expression nodes nested inside one another."""
    deepest = 0
    stack = [(tree, 0)]
    pop, push, expr, node_type = stack.pop, stack.append, ast.expr, ast.AST
    while stack:
        node, depth = pop()
        if isinstance(node, expr):
            depth += 1
            if depth > deepest:
                deepest = depth
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, node_type):
                        push((item, depth))
            elif isinstance(value, node_type):
                push((value, depth))
    return deepest


def longest_statement(text: str) -> int:
    """Tokens in the longest logical line (up to where the tokenizer gives up, if it does)."""
    longest = count = 0
    skip = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                longest, count = max(longest, count), 0
            elif token.type not in skip:
                count += 1
    except (tokenize.TokenError, SyntaxError):
        pass
    return max(longest, count)


def too_deep_for_libcst(text: str, tree: Optional[ast.AST]) -> Optional[str]:
    """Why the file must not reach libcst's parser, or None. Only parses: nothing is executed.

    ``tree`` is CPython's tree of ``text``, or None when CPython rejects it (newer syntax, or a real
    error): then there is no tree to measure, and a statement of more tokens than the depth limit, the
    most levels it could nest, is kept from libcst too (the file is then CPython's syntax error).
    """
    if tree is None:
        tokens = longest_statement(text)
        if tokens > MAX_EXPRESSION_DEPTH:
            return f"not analysed: a statement of {tokens} tokens, in code CPython rejects"
        return None
    depth = expression_depth(tree)
    if depth > MAX_EXPRESSION_DEPTH:
        return (
            f"not analysed: an expression nests {depth} levels deep, more than the"
            f" {MAX_EXPRESSION_DEPTH} the libcst parser handles in reasonable time"
        )
    return None
