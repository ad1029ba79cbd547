"""Which modules the project stage needs a full summary of, beyond the ones the gate let in.

A module holding a cross-module bug often mentions no concurrency at all (a worker in ``tasks.py``, an
example script calling a library function that starts a pool), so the gate skips it and no model is
built. Building one for every module would cost too much; instead, from the summaries so far and
every module's import list (cheap: CPython's AST), name the modules that can change a fact:

- a project module that a dispatch target, initializer or payload resolves into, or that a call made
  by code running in a thread or a child process resolves into (``running``: the functions the facts so
  far put there; the work followed across modules);
- a module that imports a summarised module whose code starts processes, directly or through calls
  into another such module (PVT103: a script calling a library starter at import time);
- a module that imports a summarised module that dispatches to processes (PVT105: the parent sets
  ``tasks.CONFIG`` before the pool starts).

The runner analyses them with ``force=True`` and asks again, at most ``MAX_ROUNDS`` times.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from ... import apis
from ...model.summary import ModuleSummary

MAX_ROUNDS = 4


def owning_module(dotted: str, modules: Iterable[str] | Mapping[str, object]) -> Optional[str]:
    """The longest project module name that ``dotted`` starts with (``pkg.b.Store().save`` -> ``pkg.b``)."""
    parts = dotted.replace("()", "").split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if name in modules:
            return name
    return None


def needed_modules(
    summaries: Mapping[str, ModuleSummary],
    imports: Mapping[str, tuple[str, ...]],
    modules: Iterable[str],
    extra_starters: Iterable[str] = (),
    running: Iterable[str] = (),
) -> set[str]:
    """Project modules (of ``modules``) without a summary whose summary could change a fact.
    ``running``: function keys (``module:qualname``) that run in threads or child processes."""
    project = set(modules)
    missing = project - set(summaries)
    owner = _Owners(project)
    needed: set[str] = set()
    for key in running:
        module, _, qualname = key.partition(":")
        function = summaries[module].function(qualname) if module in summaries else None
        for call in function.calls if function is not None else ():
            needed.add(owner(call.target) or "")
    # Code that runs in a thread or child reads other modules' globals through their names
    # (`settings.QUALITY`): those modules' summaries say which globals they have.
    for module in {key.partition(":")[0] for key in running}:
        for imported in imports.get(module, ()):
            needed.add(owner(imported) or "")
    for summary in summaries.values():
        for dispatch in summary.dispatches:
            for name in (dispatch.target, dispatch.initializer, *dispatch.sent):
                if name:
                    needed.add(owner(name) or "")
    dispatching = {name for name, s in summaries.items() if any(d.context == apis.PROCESS for d in s.dispatches)}
    reached = _starting_modules(summaries, owner) | dispatching
    extra = {owning_module(name, project) or name.rpartition(".")[0] for name in extra_starters}
    for name, imported in imports.items():
        if name in missing and any(
            owner(i) in reached or any(i == e or i.startswith(e + ".") for e in extra) for i in imported
        ):
            needed.add(name)
    return needed & missing


class _Owners:
    """``owning_module`` over one project, each name worked out once (a project's calls and imports name
    the same few thousand targets over and over)."""

    def __init__(self, project: set[str]) -> None:
        self.project = project
        self.known: dict[str, Optional[str]] = {}

    def __call__(self, dotted: str) -> Optional[str]:
        try:
            return self.known[dotted]
        except KeyError:
            found = self.known[dotted] = owning_module(dotted, self.project)
            return found


def _starting_modules(summaries: Mapping[str, ModuleSummary], owner: _Owners) -> set[str]:
    """Summarised modules whose functions start processes, or call into such a module (transitively)."""
    starting = {
        name for name, s in summaries.items()
        if any(f.starts for f in s.functions) or any(d.context == apis.PROCESS for d in s.dispatches)
    }
    callers: dict[str, set[str]] = {}
    for name, summary in summaries.items():
        if name not in starting:
            for callee in {owner(c.target) for f in summary.functions for c in f.calls} - {None}:
                callers.setdefault(callee, set()).add(name)
    queue = list(starting)
    while queue:
        for caller in callers.get(queue.pop(), ()):
            if caller not in starting:
                starting.add(caller)
                queue.append(caller)
    return starting
