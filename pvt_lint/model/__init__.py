"""The concurrency model of one module: built once, read by every rule."""

from __future__ import annotations

from ..apis import PROCESS, THREAD
from .collector import Collector
from .facts import (
    CLASS,
    DELETE,
    FREE,
    GLOBAL,
    ITEM_STORE,
    LOCAL,
    MUTATE,
    RMW,
    SELF,
    STORE,
    UNKNOWN,
    WRITE_KINDS,
    Access,
    CallSite,
    ClassInfo,
    DispatchSite,
    FunctionInfo,
    IfInfo,
    StateRef,
)
from .module import ModuleModel

__all__ = [
    "CLASS", "DELETE", "FREE", "GLOBAL", "ITEM_STORE", "LOCAL", "MUTATE", "PROCESS", "RMW", "SELF", "STORE",
    "THREAD", "UNKNOWN", "WRITE_KINDS", "Access", "CallSite", "ClassInfo", "Collector", "DispatchSite",
    "FunctionInfo", "IfInfo", "ModuleModel", "StateRef",
]
