"""The runner in-process: a failure travels as data on the file's result, and is never cached."""

from __future__ import annotations

from pvt_lint import engine
from pvt_lint.config import Config
from pvt_lint.findings import INTERNAL_ERROR
from pvt_lint.runner import lint_paths
from pvt_lint.runner.cache import open_cache
from pvt_lint.runner.guarded import analyse_guarded

from helpers import BUGGY


def test_an_exception_in_the_analysis_is_an_internal_error_of_that_file_only(monkeypatch):
    def analyse(data, path, config):
        raise KeyError("boom")

    monkeypatch.setattr(engine, "analyse", analyse)
    result = analyse_guarded(BUGGY.encode(), "a.py", Config())
    assert (result.findings, result.skipped, result.failure) == (
        [], "not analysed: internal error (KeyError: 'boom')", INTERNAL_ERROR
    )


def test_an_internal_error_is_not_cached_and_the_next_run_analyses_the_file(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "b.py").write_text(BUGGY)
    monkeypatch.chdir(tmp_path)
    config = Config(root=str(tmp_path))
    real_analyse = engine.analyse

    def analyse(data, path, config, **options):
        if path.endswith("a.py"):
            raise KeyError("boom")
        return real_analyse(data, path, config, **options)

    monkeypatch.setattr(engine, "analyse", analyse)
    cache = open_cache(config, str(tmp_path / "cache"))
    failed = lint_paths(["."], config, cache=cache)
    assert failed.skipped == [("a.py", "not analysed: internal error (KeyError: 'boom')")]
    assert [(f.path, f.line, f.code) for f in failed.findings] == [("b.py", 4, "PVT101")]
    assert cache.writes == 1  # b.py only

    monkeypatch.setattr(engine, "analyse", real_analyse)
    cache = open_cache(config, str(tmp_path / "cache"))
    again = lint_paths(["."], config, cache=cache)
    assert again.skipped == []
    assert [(f.path, f.line, f.code) for f in again.findings] == [("a.py", 4, "PVT101"), ("b.py", 4, "PVT101")]
    # b.py from the cache, a.py analysed and written, and now the project's record (none after a failure)
    assert (cache.hits, cache.writes) == (1, 2)
