"""Rules are discovered by walking this package: one module, one Rule subclass each."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from .base import Rule


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base" or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.CODE:
                if value.__module__ == module.__name__:
                    found.append(value)
    return tuple(sorted(found, key=lambda r: r.CODE))


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.CODE == code.upper():
            return rule
    return None
