"""What the project facts (``ModuleModel.project``) mean at this module's own sites: the queries the
rules ask when a fact crosses modules (the dispatch an unfit instance is sent by, the file another
module's site is in)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import apis

from .facts import DispatchSite
from .project_facts import UnfitSend, display, module_path

# ``model`` below is the ModuleModel facade, which imports this module (through threads.py): annotations
# name it as a string and nothing imports it back.
_NO_CALL = cst.Call(func=cst.Name("remote"))


def unfit_sends(model: "ModuleModel", kinds: frozenset[str]) -> Iterator[tuple["DispatchSite", UnfitSend, bool]]:
    """(site, first unfit attribute of ``kinds``, whether every task is pickled) per process dispatch of this
    module that sends a project instance holding such an attribute. Silent where nothing is pickled: a
    Process started under fork (its target and args are inherited), a dill-pickling API, a Process never
    started."""
    sends = model.project.unfit_sends
    if not sends:
        return
    for site in model.dispatches:
        if site.context != apis.PROCESS or model.never_started(site) or apis.pickles_by_value(site.api):
            continue
        found = [u for u in sends if u.line == site.line and u.kind in kinds]
        if not found:
            continue
        tasks = site.pool and site.role != "initializer"
        if not tasks and model.methods_met(model.start_method(site)) == {"fork"}:
            continue
        yield site, found[0], tasks


def other_path(model: "ModuleModel", own_path: str, module: str) -> str:
    """The file of project module ``module``, as messages beside ``own_path`` name it."""
    return module_path(own_path, model.project.module, module) if model.project.module else ""


def remote_thread_runs(model: "ModuleModel") -> dict[str, list[tuple[DispatchSite, bool]]]:
    """Functions of this module that threads started in another module reach: qualname -> [(the site,
    as a ``DispatchSite`` whose ``path`` names the other file, whether ``self`` is shared)]. A method
    reached that way is taken to run on a shared instance (the thread code holds it, as
    ``self.store.save()`` does); the chain's first function in this module is what the site targets."""
    facts = model.project
    out: dict[str, list[tuple[DispatchSite, bool]]] = {}
    prefix = facts.module + ":"
    for function in facts.thread_functions():
        qualname = function.key.partition(":")[2]
        fn = model.function(qualname)
        if fn is None:
            continue
        for reason in function.threads:
            site = reason.site
            if site.module == facts.module:
                continue  # this module's own model follows its own sites
            entry = next((k for k in reason.chain if k.startswith(prefix)), function.key)
            before = [k for k in reason.chain[: reason.chain.index(entry)]]
            via = display(before[-1]) if before else ""
            remote = DispatchSite(
                context=apis.THREAD, api=site.api, role=site.role, line=site.line, column=site.column,
                end_line=site.line, end_column=site.column, caller=None, call=_NO_CALL, callable_node=None,
                target=entry.partition(":")[2], concurrent=site.concurrent, pool=site.role != "target",
                path=site.path or site.module, via=via,
            )
            out.setdefault(qualname, []).append((remote, fn.is_method))
    return out


def remote_caller_locks(model: "ModuleModel", qualname) -> frozenset[str]:
    """Locks held at every call of ``qualname`` from other modules (``module:lock`` -> ``lock``)."""
    facts = model.project.function(qualname) if qualname else None
    return frozenset(lock.partition(":")[2] for lock in facts.caller_locks) if facts else frozenset()
