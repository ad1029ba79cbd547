"""Which start methods a program meets: the defaults of the platforms and Python versions its configuration
names (``platforms``, ``target-version`` and requires-python's upper bound), joined with the registry's
table of defaults (``apis.DEFAULT_START_METHODS``)."""

from __future__ import annotations

from typing import Iterable, Optional

from ..apis import START_METHODS, default_start_method
from ..config import Config

EVERY_METHOD = frozenset(START_METHODS)


def default_start_methods(config: Config) -> frozenset[str]:
    """The start methods a plain ``Process`` or pool of the program meets somewhere: the union, over its
    platforms, of the default of every Python version it may run on (a target is a minimum: a program
    that targets 3.8 still runs on 3.14, unless requires-python has an upper bound)."""
    return frozenset(default_start_method(platform, version)
                     for platform in config.platforms for version in config.python_versions())


def methods_met(named: Optional[str], defaults: frozenset[str]) -> frozenset[str]:
    """The start methods a dispatch meets: the one it names (its context, its module's
    ``set_start_method``), else the program's defaults; a name multiprocessing does not know may be any."""
    if named:
        return frozenset((named,)) if named in EVERY_METHOD else EVERY_METHOD
    return defaults


def re_importing(methods: Iterable[str], joiner: str = "and") -> str:
    """The methods of ``methods`` whose child imports the main module again, as a message names them:
    "spawn and forkserver", "spawn", "forkserver"; "" when there are none (fork only)."""
    found = [m for m in START_METHODS if m != "fork" and m in methods]
    return f" {joiner} ".join(found)
