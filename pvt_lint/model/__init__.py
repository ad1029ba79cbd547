"""The concurrency model of one module: built once, read by every rule.

The names below load on first use (PEP 562): the plain-data modules beside the model (``summary``,
``project_facts``, ``names``) are read by the runner's project stage, and a fully cached run, which
reads summaries and joins them but analyses nothing, never imports libcst.
"""

from __future__ import annotations

import importlib

from ..apis import PROCESS, THREAD

_FACTS = (
    "CLASS", "DELETE", "FREE", "GLOBAL", "ITEM_STORE", "LOCAL", "MUTATE", "RMW", "SELF", "STORE", "UNKNOWN",
    "WRITE_KINDS", "Access", "CallSite", "ClassInfo", "DispatchSite", "FunctionInfo", "IfInfo", "StateRef",
)
_WHERE = {**{name: ".facts" for name in _FACTS}, "Collector": ".collector", "ModuleModel": ".module"}

__all__ = sorted(["PROCESS", "THREAD", *_WHERE])


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value
