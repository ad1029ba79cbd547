"""Fixtures are data: each file's ``# expect: CODE`` labels must match the findings exactly."""

from pathlib import Path

import pytest

from pvt_lint.config import Config
from pvt_lint.runner import lint_file

from helpers import FIXTURES
from helpers import expected

FILES = sorted(p for p in FIXTURES.rglob("*.py") if p.relative_to(FIXTURES).parts[0] != "projects")  # whole projects: test_project_stage.py


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture_labels(path: Path):
    result = lint_file(str(path), Config())
    found = {(f.line, f.code) for f in result.findings}
    assert found == expected(path.read_text(encoding="utf-8", errors="replace"))


def test_clean_fixtures_have_no_labels():
    for path in (FIXTURES / "clean").rglob("*.py"):
        assert not expected(path.read_text(encoding="utf-8")), path


def test_a_thread_primitive_sent_through_multiprocess_is_a_silent_copy_not_a_pickling_error():
    # dill copies a threading.Lock or queue.Queue where pickle fails: the message must say which.
    result = lint_file(str(FIXTURES / "PVT104" / "multiprocess_dill_copies.py"), Config())
    assert [(f.line, f.message) for f in result.findings] == [
        (17, "`out` (a `queue.Queue`) passed to `multiprocess.Process` is copied by dill and shares nothing;"
             " use `multiprocess.Queue()`"),
        (21, "`out` (a `queue.Queue`) passed to `multiprocess.Pool.apply` is copied by dill and shares nothing;"
             " use `multiprocess.Manager().Queue()`"),
    ]
