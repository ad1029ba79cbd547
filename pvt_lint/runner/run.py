"""A run over files and directories, in stages: which files (the paths given, or what changed since a
git revision), then each file read and either found fresh in the cache or analysed (serially, or on
worker processes), then one report in a stable order.

Whatever ``jobs``, the order of the paths and the state of the cache, the report is the same.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable, ContextManager, Optional, Sequence

from .. import engine
from ..config import Config
from ..findings import FileResult
from .discovery import iter_python_files
from .guarded import analyse_guarded
from .reading import read
from .report import Report

# Below this many files to analyse, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 16

# progress(total) returns a context manager that yields advance(n).
Progress = Callable[[int], ContextManager[Callable[[int], None]]]


def lint_file(path: str, config: Config) -> FileResult:
    """One file, read and analysed here (no cache, no workers, no guard)."""
    data = read(path, config)
    if isinstance(data, FileResult):
        return data
    return engine.analyse(data, path, config)


def lint_paths(
    paths: Sequence[str],
    config: Config,
    *,
    jobs: int = 1,
    cache=None,
    progress: Optional[Progress] = None,
    changed_since: Optional[str] = None,
) -> Report:
    """Lint files and directories; ``cache`` is a ``cache.ResultCache`` or None.

    ``changed_since`` (``--diff REF``) narrows ``paths`` to the Python files changed since that git
    revision; it raises ``gitdiff.GitDiffError`` when git cannot say.
    """
    if changed_since is not None:
        from .gitdiff import changed_python_files

        paths = changed_python_files(changed_since, paths, config)
    report = Report()
    files = iter_python_files(paths, config, report)
    results: list[Optional[FileResult]] = [None] * len(files)
    with (progress or _no_progress)(len(files)) as advance:
        _per_file_stage(files, config, jobs, cache, results, advance)
    # A whole-project stage (joining the per-file results into project facts) goes here, between the
    # per-file results and the report.
    for result in results:
        report.add(result)
    report.sort()
    return report


def _per_file_stage(files: list[str], config: Config, jobs: int, cache, results: list, advance) -> None:
    """Fill ``results`` (one per file, in order): from reading, from the cache, or from analysis."""
    digests: dict[int, str] = {}
    tasks: list[tuple[int, str, bytes]] = []
    for index, path in enumerate(files):
        data = read(path, config)
        if isinstance(data, FileResult):
            results[index] = data
            advance(1)
            continue
        if cache is not None:
            from .cache import content_hash

            digest = content_hash(data)
            hit = cache.get(path, digest)
            if hit is not None:
                results[index] = FileResult(path, hit[0], hit[1])
                advance(1)
                continue
            digests[index] = digest
        tasks.append((index, path, data))

    def store(index: int, result: FileResult) -> None:
        results[index] = result
        # A failure says more about this run than about the file: never cached.
        if index in digests and result.failure is None:
            cache.put(result.path, digests[index], result.findings, result.skipped)
        advance(1)

    if jobs > 1 and len(tasks) >= PARALLEL_MIN_FILES:
        from . import workers

        engine.preload()  # once here, shared by every forked worker
        workers.run(tasks, config, jobs, store)
    else:
        for index, path, data in tasks:
            store(index, analyse_guarded(data, path, config))


def _no_progress(total: int):
    return nullcontext(lambda done: None)
