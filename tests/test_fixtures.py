"""Fixtures are data: each file's ``# expect: CODE`` labels must match the findings exactly."""

from pathlib import Path

import pytest

from pvt_lint.config import Config
from pvt_lint.engine import lint_file

from conftest import FIXTURES
from labels import expected

FILES = sorted(FIXTURES.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture_labels(path: Path):
    result = lint_file(str(path), Config())
    found = {(f.line, f.code) for f in result.findings}
    assert found == expected(path.read_text(encoding="utf-8", errors="replace"))


def test_clean_fixtures_have_no_labels():
    for path in (FIXTURES / "clean").rglob("*.py"):
        assert not expected(path.read_text(encoding="utf-8")), path
