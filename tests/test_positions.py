"""The engine's positions are libcst's PositionProvider's, node for node."""

from __future__ import annotations

import pytest
import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from conftest import FIXTURES, ROOT
from pvt_lint.engine import decode, on_deep_stack
from pvt_lint.positions import positions

SOURCES = sorted(FIXTURES.rglob("*.py")) + sorted((ROOT / "pvt_lint").rglob("*.py"))

ODD = [
    "x = 1",  # no trailing newline
    "",
    "\n\n",
    "if a:\r\n    b = (1,\r\n         2)\r\nelse:\r    c = '''\r\n'''\r",
    "@dec\nclass A(B, metaclass=M):\n    def f(self, *a, **k) -> 'T':\n        return f'{a!r:>{k}}'\n",
    "async def f():\n    async with a as b, c:\n        await x\n    async for i in y: yield i\n",
    "match p:\n    case [1, *rest] if rest:\n        pass\n    case {'k': v, **kw}:\n        pass\n",
    "def f[T](x: T) -> T:\n    return x\ntype A = list[int]\n",
    "lambda: (yield)\nx = [i for i in range(3) if i]\ny = {**a, 'b': 1}\nglobal g; del g[0]\n",
    "try:\n    pass\nexcept* ValueError as e:\n    raise X from e\nfinally:\n    pass\n",
    "\ufeffx = 'é'  # comment\nif y:\n\tpass\n",
]


def same_positions(text: str) -> None:
    module = cst.parse_module(text)
    expected = dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
    mine = positions(module)
    assert len(mine) == len(expected)
    assert {node: mine[node] for node in mine} == expected


def parsable_text(path) -> str:
    """A source file's text, or a skip for the PVT000 fixtures libcst cannot parse."""
    text, _ = decode(path.read_bytes())
    try:
        cst.parse_module(text)
    except cst.ParserSyntaxError:
        pytest.skip("does not parse (a PVT000 fixture)")
    return text


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_positions_equal_libcst_on_real_files(path):
    on_deep_stack(same_positions, parsable_text(path))


@pytest.mark.parametrize("text", ODD)
def test_positions_equal_libcst_on_odd_code(text):
    on_deep_stack(same_positions, text)
