"""The project stage inside a run: the per-file results of a project's modules joined into facts,
and the asked files judged again with them.

Round 1 analyses every module of the project as usual (an import list for each, a summary for those
the gate lets in). ``needed.needed_modules`` then names the modules whose summaries could change a
fact; they are analysed with ``force=True`` (at most ``needed.MAX_ROUNDS`` rounds). ``project_facts``
joins the summaries, and each asked file whose ``ModuleFacts`` is not empty is judged again with
them; its findings come from that run (cached on the content hash and the facts' fingerprint).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from ...config import Config
from ...findings import FileResult
from ..per_file import Job, analyse_files
from .layout import ProjectLayout, discover, find_root
from .needed import MAX_ROUNDS, needed_modules


@dataclass
class ProjectRun:
    """What a project's stage found: the facts, and how much it took (for tests and benchmarks)."""

    layout: ProjectLayout
    facts: object  # ProjectFacts
    forced: list[str] = field(default_factory=list)  # modules analysed for their summary only
    judged: list[str] = field(default_factory=list)  # modules judged again with facts
    summarised: frozenset[str] = frozenset()  # modules with a summary (the others have no facts)


def roots_of(files: Sequence[str], given: Sequence[str]) -> dict[Path, list[int]]:
    """Group the asked files by project root: the root of the given path that yielded each file
    (a directory without any root marker above it is its own root)."""
    groups: dict[Path, list[int]] = {}
    absolute_given = [(os.path.abspath(g), g) for g in given]
    for index, path in enumerate(files):
        full = os.path.abspath(path)
        owner = max(
            (a for a, _ in absolute_given if full == a or full.startswith(a.rstrip(os.sep) + os.sep)),
            key=len, default=full,
        )
        groups.setdefault(find_root(Path(owner)), []).append(index)
    return groups


def own_facts(summary, path: str, starters: tuple[str, ...] = ()):
    """The facts a module's summary implies on its own (a project of one module). A module is judged
    with these first; the project stage judges it again only where the whole project's facts differ."""
    from .stage import project_facts

    return project_facts({summary.module: summary}, starters, {summary.module: path}).for_module(summary.module)


def src_of(config: Config) -> tuple[str, ...]:
    """The ``src`` setting as absolute paths (it is relative to the config file's directory)."""
    return tuple(os.path.join(os.path.abspath(config.root), entry) for entry in config.src)


def judge_project(
    root: Path, asked: list[str], config: Config, jobs: int, cache, advance
) -> tuple[list[FileResult], ProjectRun]:
    """The results of the ``asked`` files (in order), judged with the facts of the whole project."""
    from ...model.project_facts import ModuleFacts
    from .stage import project_facts

    scripts = [Path(p) for p in asked if not p.endswith((".py", ".pyi"))]
    layout = discover(root, src_of(config), scripts)
    asked_files = {Path(os.path.abspath(p)) for p in asked}
    others = [
        p for p in layout.modules.values()
        if p not in asked_files and not config.is_excluded(str(p))
    ]
    paths = list(asked) + [_shown(p) for p in others]
    modules = [layout.module_of(Path(p)) for p in paths]
    starters = tuple(config.process_starters)
    # Messages name other modules' files relative to the project root: the same whatever the cwd.
    shown = {m: Path(os.path.relpath(f, layout.root)).as_posix() for m, f in layout.modules.items()}
    jobs_list = [
        Job(p, {**_options(layout, m), "own_facts": functools.partial(own_facts, path=shown[m], starters=starters)}
            if m is not None else {})
        for p, m in zip(paths, modules)
    ]
    results = analyse_files(jobs_list, config, jobs, cache, advance)
    index_of = {m: i for i, m in enumerate(modules) if m is not None}
    summaries = {m: results[i].summary for m, i in index_of.items() if results[i].summary is not None}
    imports = {m: results[i].imports or () for m, i in index_of.items()}
    run = ProjectRun(layout, None)
    attempted: set[str] = set()
    for _ in range(MAX_ROUNDS):
        need = sorted(needed_modules(summaries, imports, index_of, starters) - attempted)
        if not need:
            break
        attempted.update(need)
        run.forced.extend(need)
        forced = [Job(paths[index_of[m]], {**jobs_list[index_of[m]].options, "force": True}) for m in need]
        for module, job in zip(need, forced):
            if jobs_list[index_of[module]].aside is not None:  # forced in an earlier run: from the cache
                from ..per_file import _summary

                summary = _summary(jobs_list[index_of[module]].aside)
                if summary is not None:
                    summaries[module] = summary
        todo = [(m, j) for m, j in zip(need, forced) if m not in summaries]
        for (module, _), result in zip(todo, analyse_files([j for _, j in todo], config, jobs, cache, _quiet)):
            if result.summary is not None:
                summaries[module] = result.summary
    facts = run.facts = project_facts(summaries, starters, {m: shown[m] for m in summaries})
    run.summarised = frozenset(summaries)
    again: list[tuple[int, Job]] = []
    for index in range(len(asked)):
        module = modules[index]
        if module is None or module not in summaries:
            continue
        module_facts = facts.for_module(module)
        first = results[index].summary  # judged with the facts of its own summary, if gated in
        judged_with = own_facts(first, shown[module], starters) if first is not None else ModuleFacts(module)
        if module_facts == judged_with:
            continue
        options = {**_options(layout, module), "facts": module_facts}
        again.append((index, Job(paths[index], options, facts_key=module_facts.fingerprint())))
        run.judged.append(module)
    rejudged = analyse_files([job for _, job in again], config, jobs, cache, _quiet)
    for (index, _), result in zip(again, rejudged):
        plain = results[index]
        results[index] = FileResult(plain.path, result.findings, result.skipped, result.failure,
                                    summary=plain.summary, imports=plain.imports)
    return results[: len(asked)], run


def _options(layout: ProjectLayout, module: Optional[str]) -> dict:
    if module is None:
        return {}
    return {"module": module, "is_package": layout.is_package(module)}


def _shown(path: Path) -> str:
    """A path as a run shows it: relative to the working directory when below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _quiet(done: int) -> None:
    pass


_FACTS_BY_ROOT: dict[tuple, object] = {}


def facts_for_file(path: str, config: Config, cache=None):
    """(module, is_package, ModuleFacts or None) for one file judged inside its project: the project
    stage over the whole project, run once per root and configuration in this process (the flake8
    plugin asks file by file). None facts: the file is not one of the project's modules."""
    root = find_root(Path(path))
    key = (str(root), config.fingerprint(), str(config.root))
    if key not in _FACTS_BY_ROOT:
        _, run = judge_project(root, [], config, 1, cache, _quiet)
        _FACTS_BY_ROOT[key] = run
    run = _FACTS_BY_ROOT[key]
    module = run.layout.module_of(Path(path))
    if module is None or module not in run.summarised:
        return module, False, None
    return module, run.layout.is_package(module), run.facts.for_module(module)
