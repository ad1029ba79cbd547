"""The engine's positions are libcst's PositionProvider's, node for node."""

from __future__ import annotations

import pytest
import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from helpers import ODD, ROOT, SOURCES, parsable_text
from pvt_lint.engine import on_deep_stack
from pvt_lint.positions import positions


def same_positions(text: str) -> None:
    module = cst.parse_module(text)
    expected = dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
    mine = positions(module)
    assert len(mine) == len(expected)
    assert {node: mine[node] for node in expected} == expected


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_positions_equal_libcst_on_real_files(path):
    on_deep_stack(same_positions, parsable_text(path))


@pytest.mark.parametrize("text", ODD)
def test_positions_equal_libcst_on_odd_code(text):
    on_deep_stack(same_positions, text)
