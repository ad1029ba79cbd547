"""One editor buffer judged inside its project: the language server's unit of work.

A saved buffer (its text is the file's on disk) is judged exactly as the flake8 plugin judges the file:
with its module's facts from the project stage over the files on disk (``rounds.project_run``), so the
editor, flake8 and the CLI report the same findings. An unsaved buffer is judged with the facts the
project's other modules, as saved, give it joined with its own summary as typed: facts name lines of
their module, and the typed lines are not the saved ones. Its text is never cached (the cache is keyed
by what is on disk); the project stage reads and writes the same cache as the CLI.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Optional

from ..config import Config
from ..engine import decode
from ..findings import FileResult
from .guarded import analyse_guarded
from .project.rounds import project_run


def lint_buffer(text: str, path: str, config: Config, cache=None, reparser=None, collect: bool = True) -> FileResult:
    """The findings of ``text``, the editor's copy of the file ``path``, with its project's facts;
    ``reparser``, the buffer's ``reparse.Reparser``, saves parsing again what its last parse saw.

    ``collect=False`` turns Python's automatic garbage collection off once the project stage is done (a
    buffer outside any project is analysed with it as it was) and leaves it off: the caller collects the
    buffer's garbage later (the language server does, after the diagnostics are out). The project stage
    itself always runs with collection on: it may judge every file of a large project."""
    if len(text) > config.max_file_size:  # characters, not bytes: an editor's buffer has no encoding yet
        return FileResult(path, skipped=f"larger than max-file-size ({len(text)} > {config.max_file_size})")
    if not os.path.isfile(path):
        # a new file not saved yet: no project knows it
        return analyse_guarded(text, path, config, reparser=reparser)
    run = project_run(path, config, cache)
    if not collect:
        gc.disable()
    module = run.layout.module_of(Path(path))
    if module is None or run.facts is None:
        return analyse_guarded(text, path, config, reparser=reparser)
    options = {"module": module, "is_package": run.layout.is_package(module), "reparser": reparser}
    if _saved_text(path) == text:
        facts = run.facts.for_module(module) if module in run.summarised else None
        return analyse_guarded(text, path, config, facts=facts, **options)

    def joined(summary):
        return _joined_facts(run, module, summary, config)

    first = analyse_guarded(text, path, config, own_facts=joined, **options)
    saved_facts = run.facts.for_module(module) if module in run.summarised else None
    if first.summary is not None or not saved_facts or first.failure is not None:
        return first
    # The gate let the typed text through without a model, but other modules say something about this
    # one (its function runs in their threads): judge it with those facts, as the project stage would.
    forced = analyse_guarded(text, path, config, force=True, **options)
    if forced.summary is None:
        return first
    facts = joined(forced.summary)
    return analyse_guarded(text, path, config, facts=facts, **options) if facts else first


def _joined_facts(run, module: str, summary, config: Config):
    from .project.stage import project_facts

    summaries = _connected({**run.summaries, module: summary}, module)
    shown = {m: run.shown.get(m, m) for m in summaries}
    return project_facts(summaries, config.process_starters, shown).for_module(module)


def _connected(summaries: dict, module: str) -> dict:
    """The summaries of the modules ``module`` is joined to by imports, either way and through others.

    The project stage reads names only, and a name reaches another module through an import (a package's
    ``__init__`` counts as imported with its submodules), so no fact crosses from a module outside this
    group: joining the group alone gives ``module`` the facts the whole project would, without the cost of
    joining every module of a large project on each edit."""
    names = set(summaries)
    links: dict[str, set[str]] = {name: set() for name in names}
    for name, summary in summaries.items():
        for _local, qualified in summary.imports:
            parts = qualified.split(".")
            for end in range(1, len(parts) + 1):
                target = ".".join(parts[:end])
                if target in names and target != name:
                    links[name].add(target)
                    links[target].add(name)
    group, todo = {module}, [module]
    while todo:
        for other in links[todo.pop()] - group:
            group.add(other)
            todo.append(other)
    return {name: summaries[name] for name in sorted(group)}


def _saved_text(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    text, problem = decode(data)
    return text if problem is None else None
