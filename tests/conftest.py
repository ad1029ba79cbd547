"""Fixtures and hooks only; what tests share otherwise is in helpers.py."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from helpers import ROOT, run_cli

# What a tool run in the checkout would leave there: pvt-lint's result cache, and Hypothesis's, import-linter's
# and grimp's directories.
_LITTER = tuple(ROOT / name for name in (".pvt_lint_cache", ".hypothesis", ".import_linter_cache", ".grimp_cache"))
_hypothesis_home = tempfile.mkdtemp(prefix="pvt-lint-tests-hypothesis-")


def pytest_configure(config):
    # Hypothesis writes to .hypothesis under the working directory (even with no example database) as
    # soon as a test module builds a strategy, before any fixture runs: send it elsewhere first.
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(_hypothesis_home)


def pytest_unconfigure(config):
    shutil.rmtree(_hypothesis_home, ignore_errors=True)


@pytest.fixture
def cli():
    return run_cli


def _litter() -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for d in _LITTER if d.is_dir() for p in [d, *d.rglob("*")]}


@pytest.fixture(autouse=True, scope="session")
def checkout_stays_clean():
    """Tests never write into the checkout: a CLI run there uses --no-cache or a temporary --cache-dir.
    (A cache left by someone's own ``pvt-lint`` run may exist: the tests leave it as it was.)"""
    before = _litter()
    yield
    after = _litter()
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"a test wrote into the checkout: {', '.join(sorted({path for path, _ in changed})[:5])}"
