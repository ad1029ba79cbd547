"""The project stage inside a run: the per-file results of a project's modules joined into facts,
and the asked files judged again with them.

Round 1 analyses every module of the project as usual (an import list for each, a summary for those
the gate lets in). ``needed.needed_modules`` then names the modules whose summaries could change a
fact; they are analysed with ``force=True`` (at most ``needed.MAX_ROUNDS`` rounds). ``project_facts``
joins the summaries, and each asked file whose ``ModuleFacts`` is not empty is judged again with
them; its findings come from that run (cached on the content hash and the facts' fingerprint).

With a cache, a project's run ends by storing a record: every file of the project with its content hash,
and the facts' fingerprint each asked file was judged with. A later run that finds the same files with
the same contents takes the judged results from the cache at once and skips the rounds (a warm run of an
unchanged project decodes no summary). So does a run whose edited files give the stage what they gave
last time (``_same_facts``); any other difference, or an entry gone, and the rounds run as usual.
"""

from __future__ import annotations

import functools
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from ...config import Config
from ...findings import FileResult
from ...model.project_facts import ModuleFacts
from ..per_file import Job, _summary, analyse_files
from . import record
from .layout import ProjectLayout, discover, find_root, has_marker
from .needed import MAX_ROUNDS, needed_modules


@dataclass
class ProjectRun:
    """What a project's stage found: the facts, and how much it took (for tests and benchmarks)."""

    layout: ProjectLayout
    facts: object  # ProjectFacts
    forced: list[str] = field(default_factory=list)  # modules analysed for their summary only
    judged: list[str] = field(default_factory=list)  # modules judged again with facts
    summarised: frozenset[str] = frozenset()  # modules with a summary (the others have no facts)
    error: str = ""  # the project stage failed: its files keep their first-round findings
    reused: bool = False  # the judged results came from the last run's record (``facts`` is then None)
    # What ``facts`` were joined from, for an adapter that judges an unsaved copy of one module against the
    # rest (runner/buffer.py): the summaries by module, and the path messages show for each module.
    summaries: dict = field(default_factory=dict)
    shown: dict = field(default_factory=dict)


def roots_of(files: Sequence[str], given: Sequence[str]) -> dict[Path, list[int]]:
    """Group the asked files by project root: the root of the given path that yielded each file
    (a directory without any root marker above it is its own root)."""
    groups: dict[Path, list[int]] = {}
    absolute_given = [(os.path.abspath(g), g) for g in given]
    roots: dict[str, Path] = {}  # a given path's root, looked up once
    for index, path in enumerate(files):
        full = os.path.abspath(path)
        owner = max(
            (a for a, _ in absolute_given if full == a or full.startswith(a.rstrip(os.sep) + os.sep)),
            key=len, default=full,
        )
        root = roots.get(owner)
        if root is None:
            root = roots[owner] = find_root(Path(owner))
        groups.setdefault(root, []).append(index)
    return groups


def own_facts(summary, path: str, starters: tuple[str, ...] = ()):
    """The facts a module's summary implies on its own (a project of one module). A module is judged
    with these first; the project stage judges it again only where the whole project's facts differ."""
    from .stage import project_facts

    try:
        return project_facts({summary.module: summary}, starters, {summary.module: path}).for_module(summary.module)
    except Exception:  # a defect of the stage: judged without facts; the project's rounds report it once
        return ModuleFacts(summary.module)


def src_of(config: Config) -> tuple[str, ...]:
    """The ``src`` setting as absolute paths (it is relative to the config file's directory)."""
    return tuple(os.path.join(os.path.abspath(config.root), entry) for entry in config.src)


def judge_project(
    root: Path, asked: list[str], config: Config, jobs: int, cache, advance
) -> tuple[list[FileResult], ProjectRun]:
    """The results of the ``asked`` files (in order), judged with the facts of the whole project."""
    (results, run), = judge_projects({root: asked}, config, jobs, cache, advance).values()
    return results, run


class _Project:
    """One project's state across the rounds: its files (the asked ones first), modules and summaries."""

    def __init__(self, root: Path, asked: list[str], config: Config, named: bool = False,
                 walked: frozenset = frozenset()) -> None:
        scripts = [Path(p) for p in asked if not p.endswith((".py", ".pyi"))]
        # A root with no project marker is walked whole only when the user named it (``pvt-lint dir``): a
        # script's folder (``pvt-lint /tmp/x.py``) is walked only through its packages.
        walk_all = named or bool(config.src) or has_marker(root)
        layout = self.layout = discover(root, src_of(config), scripts, walk_all=walk_all)
        # Paths as strings: a project of thousands of modules makes no Path per file here.
        # A file named although the excludes cover it (a fixture, generated code) is judged alone: it is
        # not part of the project the flake8 plugin or any other run sees.
        # ``walked``: files found below folders no exclude covers (the walk already left excluded ones out).
        asked_modules = [None if p not in walked and config.is_excluded(p) else layout.module_of(p) for p in asked]
        asked_files = {os.path.abspath(p) for p in asked}
        # Every asked file judged alone: no other module's summary can change a finding, none is read.
        alone = bool(asked) and all(m is None for m in asked_modules)
        others = [] if alone else [
            p for p in map(str, layout.modules.values()) if p not in asked_files and not config.is_excluded(p)
        ]
        self.asked = len(asked)
        self.paths = list(asked) + [_shown(p) for p in others]
        self.modules = asked_modules + [layout.module_of(p) for p in self.paths[len(asked):]]
        self.starters = tuple(config.process_starters)
        # Messages name other modules' files relative to the project root: the same whatever the cwd.
        self.shown = {m: _below(str(layout.root), str(f)) for m, f in layout.modules.items()}
        self.jobs = [Job(p, self.options(m)) for p, m in zip(self.paths, self.modules)]
        self.index_of = {m: i for i, m in enumerate(self.modules) if m is not None}
        self.run = ProjectRun(layout, None)
        self.attempted: set[str] = set()
        self.results: list[FileResult] = []
        self.summaries: dict = {}  # changed only through ``summarised``, which forgets the joined facts
        self._facts = None
        self.imports: dict = {}
        self.judged_keys: list[tuple[int, str]] = []  # (asked index, facts fingerprint) judged again
        # Asked indices whose first judgement is final because the project's facts for them are exactly the
        # ones their own summary implies (or they have none); the first round's results (record.py).
        self.final: set[int] = set()
        self.first: list[FileResult] = []
        self.record_read, self.last_record = False, None  # the cache's record of the last run (record.py)
        self.started_ns = time.time_ns()  # files changed since (or just before) keep no stat in the record
        self.record_name = json.dumps([str(layout.root), self.paths])

    def options(self, module: Optional[str]) -> dict:
        if module is None:
            return {}
        own = functools.partial(own_facts, path=self.shown[module], starters=self.starters)
        return {"module": module, "is_package": self.layout.is_package(module), "own_facts": own}

    def first_round(self, results: list[FileResult]) -> None:
        self.results = results
        self.first = list(results)
        self.imports = {m: results[i].imports or () for m, i in self.index_of.items()}

    def decode(self) -> list[tuple[int, Job]]:
        """Decode the first round's summaries (cached ones arrive as JSON text); the jobs whose cached
        summary does not decode, to be analysed again, as a cache miss would be."""
        self.summaries, self._facts = {}, None
        again = []
        for module, index in self.index_of.items():
            result = self.results[index]
            if result.summary is None and result.summary_text is not None:
                result.summary, result.summary_text = _summary(result.summary_text), None
                if result.summary is None:
                    again.append((index, self.jobs[index]))
                    continue
            if result.summary is not None:
                self.summarised(module, result.summary)
        return again

    def summarised(self, module: str, summary) -> None:
        self.summaries[module] = summary
        self._facts = None

    def facts(self):
        """The project's facts from the summaries so far: joined once per change of them (the last round
        that forces nothing and the judging after it ask for the same facts)."""
        from .stage import project_facts

        if self._facts is None:
            self._facts = project_facts(self.summaries, self.starters, {m: self.shown[m] for m in self.summaries})
        return self._facts

    def analysed(self, index: int, result: FileResult) -> None:
        """A first-round result analysed again after its cached summary failed to decode."""
        self.results[index] = result
        module = self.modules[index]
        if module is not None and result.summary is not None:
            self.summarised(module, result.summary)

    # ---- the record of the last run (record.py) ------------------------------------------------
    def answered(self, cache, config: Config, analyse=None) -> bool:
        return record.answer(self, cache, config, analyse)

    def reuse(self, cache) -> bool:
        return record.reuse(self, cache)

    def save(self, cache) -> None:
        record.save(self, cache)

    def needed(self) -> list[tuple[str, Job]]:
        """The next round's forced jobs (summaries an earlier run forced come from the cache here; a round
        the cache answers whole costs nothing, so the next one is looked for at once, as a cold run would
        analyse it)."""
        for _ in range(MAX_ROUNDS):
            facts = self.facts()
            running = [f.key for m in facts.modules.values() for f in m.functions
                       if f.threads or f.processes or f.initializers]
            need = sorted(needed_modules(self.summaries, self.imports, self.index_of, self.starters, running)
                          - self.attempted)
            if not need:
                return []
            self.attempted.update(need)
            self.run.forced.extend(need)
            out = []
            for module in need:
                job = self.jobs[self.index_of[module]]
                summary = _summary(job.aside) if job.aside is not None else None
                if summary is not None:
                    self.summarised(module, summary)
                else:
                    out.append((module, Job(job.path, {**job.options, "force": True})))
            if out:
                return out
        return []

    def again(self) -> list[tuple[int, Job]]:
        """The asked files whose project facts differ from those they were judged with."""
        from ...model.project_facts import ModuleFacts
        from ...model.read_facts import same_answers

        facts = self.run.facts = self.facts()
        self.run.summarised = frozenset(self.summaries)
        self.run.summaries, self.run.shown = dict(self.summaries), self.shown
        out = []
        for index in range(self.asked):
            module = self.modules[index]
            if module is None or module not in self.summaries:
                self.final.add(index)
                continue
            module_facts = facts.for_module(module)
            first = self.results[index].summary  # judged with the facts of its own summary, if gated in
            judged_with = own_facts(first, self.shown[module], self.starters) if first is not None else ModuleFacts(module)
            if module_facts == judged_with:
                self.final.add(index)
                continue
            read = self.results[index].facts_read  # judged in this run, with the facts its summary implies
            if read is not None and same_answers(read, module_facts, judged_with):
                continue  # the parts its rules read are the same: judging again would find the same
            options = {**self.options(module), "facts": module_facts}
            key = module_facts.fingerprint()
            out.append((index, Job(self.paths[index], options, facts_key=key)))
            self.judged_keys.append((index, key))
            self.run.judged.append(module)
        return out


def judge_projects(
    groups: dict[Path, list[str]], config: Config, jobs: int, cache, advance, reuse: bool = False,
    named: frozenset = frozenset(), walked: frozenset = frozenset(),
) -> dict:
    """``{root: asked files}`` -> ``{root: (results of the asked files, ProjectRun)}``. Every round is
    one batch over all the projects, so workers stay busy and start once per round. ``reuse``: a project
    whose files are those of the cache's record takes its judged results from there (its ``facts`` stay
    None, so callers that read the facts leave it off)."""
    projects = [_Project(root, asked, config, root in named, walked) for root, asked in groups.items()]
    def edited(jobs_in: list[Job]) -> list[FileResult]:  # files changed since a project's record
        return analyse_files(jobs_in, config, jobs, cache, _quiet)

    answered = [p for p in projects if reuse and cache is not None and p.answered(cache, config, edited)]
    for project in answered:
        advance(len(project.jobs))
    todo = [p for p in projects if p not in answered]
    first = analyse_files([job for p in todo for job in p.jobs], config, jobs, cache, advance)
    offset = 0
    for project in todo:
        project.first_round(first[offset: offset + len(project.jobs)])
        offset += len(project.jobs)
    try:
        _later_rounds([p for p in todo if not (reuse and p.reuse(cache))], config, jobs, cache)
    except Exception as exc:  # a defect of the project stage must not cost the run: report it, keep the rest
        for project in todo:
            project.results = list(project.first)
            project.run.error = (f"{_shown(project.layout.root)}: internal error in the project stage ({type(exc).__name__}: {exc}); "
                                 "its files were judged one by one, without facts from other modules")
    return {root: (p.results[: p.asked], p.run) for root, p in zip(groups, projects)}


def _later_rounds(projects: list, config: Config, jobs: int, cache) -> None:
    """The rounds that force the modules the facts need, then judge again the files whose facts changed."""
    redo = [(project, index, job) for project in projects for index, job in project.decode()]
    for (project, index, _), result in zip(redo, analyse_files([j for *_, j in redo], config, jobs, None, _quiet)):
        project.analysed(index, result)
    for _ in range(MAX_ROUNDS):
        batch = [(project, module, job) for project in projects for module, job in project.needed()]
        if not batch:
            break
        for (project, module, _), result in zip(batch, analyse_files([j for *_, j in batch], config, jobs, cache, _quiet)):
            if result.summary is not None:
                project.summarised(module, result.summary)
    batch2 = [(project, index, job) for project in projects for index, job in project.again()]
    for (project, index, _), result in zip(batch2, analyse_files([j for *_, j in batch2], config, jobs, cache, _quiet)):
        plain = project.results[index]
        project.results[index] = FileResult(plain.path, result.findings, result.skipped, result.failure,
                                            summary=plain.summary, imports=plain.imports)
    for project in projects:
        project.save(cache)


def _below(root: str, path: str) -> str:
    """``path`` relative to ``root`` in ``/`` form (both absolute and normalised, as a layout's are)."""
    prefix = root if root.endswith(os.sep) else root + os.sep
    relative = path[len(prefix):] if path.startswith(prefix) else os.path.relpath(path, root)
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _shown(path) -> str:
    """A path as a run shows it: relative to the working directory when below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _quiet(done: int) -> None:
    pass


_RUNS_BY_ROOT: dict[tuple, ProjectRun] = {}


def project_run(path: str, config: Config, cache=None) -> ProjectRun:
    """The project stage over the project of ``path``, run once per root and configuration in this
    process (the flake8 plugin asks file by file) until ``forget_project_runs`` says the files changed."""
    root = find_root(Path(path))
    key = (str(root), config.fingerprint(), str(config.root))
    if key not in _RUNS_BY_ROOT:
        _, _RUNS_BY_ROOT[key] = judge_project(root, [], config, 1, cache, _quiet)
    return _RUNS_BY_ROOT[key]


def forget_project_runs(path: Optional[str] = None) -> None:
    """Drop the kept project runs: those of the project of ``path``, or all of them. A process that lives
    across edits (the language server) calls this when a file of a project changes on disk."""
    root = str(find_root(Path(path))) if path is not None else None
    for key in [k for k in _RUNS_BY_ROOT if root is None or k[0] == root]:
        del _RUNS_BY_ROOT[key]


def facts_for_file(path: str, config: Config, cache=None):
    """(module, is_package, ModuleFacts or None) for one file judged inside its project (``project_run``).
    None facts: the file is not one of the project's modules."""
    run = project_run(path, config, cache)
    module = run.layout.module_of(Path(path))
    if module is None or module not in run.summarised:
        return module, False, None
    return module, run.layout.is_package(module), run.facts.for_module(module)
