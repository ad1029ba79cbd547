"""A module parsed in pieces (reparse.py) is libcst's whole parse: the same nodes at the same positions,
after any edit; an unchanged piece keeps its nodes; where a cut could differ, the source is parsed whole."""

from __future__ import annotations

import ast

import libcst as cst
import pytest

from helpers import FIXTURES, ODD, ROOT, SOURCES, parsable_text
from pvt_lint.config import Config
from pvt_lint.engine import analyse, on_deep_stack
from pvt_lint.positions import positions
from pvt_lint.reparse import Reparser, _cuts


def parsed(reparser: Reparser, text: str):
    """(module, positions or None) from ``reparser``, checked against libcst's whole parse."""
    module, places = reparser.parse(text, cpython_tree(text))
    whole = cst.parse_module(text)
    assert module.deep_equals(whole)
    assert module.code == whole.code
    if places is not None:
        assert places.raw == positions(module).raw
    return module, places


def cpython_tree(text: str):
    try:
        return ast.parse(text)
    except SyntaxError:  # newer syntax than this interpreter's: the engine passes no tree either
        return None


def edits(text: str):
    """The same text edited as an editor would: a line added on top, then one removed in the middle."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    yield "# edited\n" + text
    yield "# edited\n" + "".join(lines[:middle] + lines[middle + 1:])


def check_edits(text: str, first_too: bool = True) -> None:
    reparser = Reparser()
    if first_too:
        parsed(reparser, text)
    else:
        reparser.parse(text, cpython_tree(text))  # the edits' checks compare what it kept
    for edited in edits(text):
        try:
            cst.parse_module(edited)
        except cst.ParserSyntaxError:
            continue
        parsed(reparser, edited)


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_pieces_are_the_whole_parse_on_real_files(path):
    on_deep_stack(check_edits, parsable_text(path), False)


@pytest.mark.parametrize("text", [t for t in ODD if t.strip()])
def test_pieces_are_the_whole_parse_on_odd_code(text):
    on_deep_stack(check_edits, text)


SPLIT = "import threading\n\n# the counter\ncount = 0\n\n\ndef work():\n    global count\n    count += 1\n"


def test_an_unchanged_statement_keeps_its_nodes_and_moves():
    reparser = Reparser()
    first, _ = parsed(reparser, SPLIT)
    second, places = parsed(reparser, "# edited\n" + SPLIT)
    assert places is not None
    assert second.body[1] is first.body[1] and second.body[2] is first.body[2]
    assert second.body[0] is not first.body[0]  # the edited piece is parsed again
    assert places[second.body[2]].start.line == 8  # one line lower than in the first parse
    assert [line.comment.value for line in second.body[1].leading_lines if line.comment] == ["# the counter"]


def test_two_equal_statements_are_two_nodes_at_two_places():
    text = "print(1)\nprint(1)\n"
    reparser = Reparser()
    parsed(reparser, text)
    module, places = parsed(reparser, text)
    assert module.body[0] is not module.body[1]
    assert [places[s].start.line for s in module.body] == [1, 2]


@pytest.mark.parametrize("text", [
    "def f():\n    x = 1\n    # in f's block\ny = 2\n",  # an indented comment after a block belongs to it
    "def f():\n    x = 1\n    \ny = 2\n",  # so does a line of spaces
    "x = 1; y = 2\n",  # two statements on one line
])
def test_lines_a_cut_could_change_stay_in_one_piece(text):
    assert _cuts(text, ast.parse(text)) == [(0, len(text))]
    parsed(Reparser(), text)


@pytest.mark.parametrize("text", [
    "def f():\n  x = 1\ndef g():\n    y = 2\n",  # the module's indentation is the first block's
    "x = 1\r\ny = 2\r\n",
    "x = 1\n\fy = 2\n",
])
def test_what_a_cut_could_change_is_parsed_whole(text):
    _, places = parsed(Reparser(), text)
    assert places is None


def test_blocks_with_one_indentation_and_comments_at_column_0_are_cut():
    text = "def f():\n  x = 1\n# about g\n\ndef g():\n  y = 2\nz = 3\n"
    assert [text[a:b] for a, b in _cuts(text, ast.parse(text))] == [
        "def f():\n  x = 1\n", "# about g\n\ndef g():\n  y = 2\n", "z = 3\n"]
    _, places = parsed(Reparser(), text)
    assert places is not None


@pytest.mark.slow
def test_the_engine_finds_the_same_through_a_reparser():
    for path in sorted((FIXTURES).rglob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        expected = analyse(text, str(path), Config()).findings
        reparser = Reparser()
        for _ in range(2):  # the second time, every piece comes from the first parse
            assert analyse(text, str(path), Config(), reparser=reparser).findings == expected, path
