"""What the project facts (``ModuleModel.project``) mean at this module's own sites: the queries the
rules ask when a fact crosses modules (the dispatch an unfit instance is sent by, the file another
module's site is in)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from .. import apis
from .project_facts import UnfitSend, module_path

if TYPE_CHECKING:
    from .facts import DispatchSite
    from .module import ModuleModel


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
        if not tasks and model.start_method(site) == "fork":
            continue
        yield site, found[0], tasks


def other_path(model: "ModuleModel", own_path: str, module: str) -> str:
    """The file of project module ``module``, as messages beside ``own_path`` name it."""
    return module_path(own_path, model.project.module, module) if model.project.module else ""
