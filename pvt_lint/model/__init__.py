"""The concurrency model of one module: built once, read by every rule.

The names below load on first use (PEP 562), so that ``model.apis`` (plain data) can be imported by the
engine's gate without importing libcst: a run whose files are all cached or gated never loads it.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "PROCESS": "apis", "THREAD": "apis",
    "Collector": "collector",
    "ModuleModel": "module",
    **{name: "facts" for name in (
        "CLASS", "DELETE", "FREE", "GLOBAL", "ITEM_STORE", "LOCAL", "MUTATE", "RMW", "SELF", "STORE",
        "UNKNOWN", "WRITE_KINDS", "Access", "CallSite", "ClassInfo", "DispatchSite", "FunctionInfo",
        "IfInfo", "StateRef",
    )},
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
