"""A run over files and directories, in stages: which files (the paths given, or what changed since a
git revision), then each file read and either found fresh in the cache or analysed (serially, or on
worker processes), then one report in a stable order.

Whatever ``jobs``, the order of the paths and the state of the cache, the report is the same.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Callable, ContextManager, Optional, Sequence

from .. import engine
from ..config import Config
from ..findings import FileResult
from .discovery import iter_python_files
from .per_file import PARALLEL_MIN_FILES, Job, analyse_files  # noqa: F401  (PARALLEL_MIN_FILES: re-exported)
from .project.layout import find_root
from .project.rounds import judge_projects, roots_of
from .reading import read
from .report import Report

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
    project: bool = True,
) -> Report:
    """Lint files and directories; ``cache`` is a ``cache.ResultCache`` or None.

    ``changed_since`` (``--diff REF``) narrows ``paths`` to the Python files changed since that git
    revision; it raises ``gitdiff.GitDiffError`` when git cannot say. Whatever files are asked about,
    they are judged with the facts of their whole project (``project=False``: each file alone), and
    only their findings are reported.
    """
    given = list(paths)
    if changed_since is not None:
        from .gitdiff import changed_python_files

        paths = changed_python_files(changed_since, paths, config)
    report = Report()
    files = iter_python_files(paths, config, report)
    results: list[Optional[FileResult]] = [None] * len(files)
    with (progress or _no_progress)(len(files)) as advance:
        if not project:
            results = analyse_files([Job(path) for path in files], config, jobs, cache, advance)
        else:
            groups = roots_of(files, given)
            named = frozenset(find_root(Path(g)) for g in given if os.path.isdir(g))
            judged = judge_projects({root: [files[i] for i in indices] for root, indices in groups.items()},
                                    config, jobs, cache, _bounded(advance, len(files)), reuse=True, named=named,
                                    walked=_walked_in(files, list(paths), config))
            for root, indices in groups.items():
                for index, result in zip(indices, judged[root][0]):
                    results[index] = result
                if judged[root][1].error:
                    report.errors.append(judged[root][1].error)
    for result in results:
        report.add(result)
    report.sort()
    return report


def _walked_in(files: list[str], given: list[str], config: Config) -> frozenset[str]:
    """The files a walk found below directories that no exclude covers: the walk left excluded entries
    out, so they need no second look (a named file, or one below a named excluded folder, does)."""
    if any(os.path.isdir(g) and config.is_excluded(g) for g in given):
        return frozenset()
    return frozenset(files) - frozenset(given)


def _bounded(advance, total: int):
    """``advance`` for the asked files only: a project's other modules are not part of the count."""
    left = [total]

    def step(done: int) -> None:
        done = min(done, left[0])
        left[0] -= done
        if done:
            advance(done)

    return step


def _no_progress(total: int):
    return nullcontext(lambda done: None)
