"""The concurrency model of one module: built once, read by every rule."""

from .apis import PROCESS, THREAD
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
    "PROCESS", "THREAD", "Collector", "ModuleModel", "Access", "CallSite", "ClassInfo",
    "DispatchSite", "FunctionInfo", "IfInfo", "StateRef", "CLASS", "DELETE", "FREE", "GLOBAL",
    "ITEM_STORE", "LOCAL", "MUTATE", "RMW", "SELF", "STORE", "UNKNOWN", "WRITE_KINDS",
]
