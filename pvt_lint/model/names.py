"""Module names: plain string functions shared by the model's summary and the project layout."""

from __future__ import annotations

from typing import Optional


def resolve_relative(module: str, is_package: bool, level: int, target: str = "") -> Optional[str]:
    """``from ..a import b`` inside ``module``: the absolute name of ``..a``; None where Python raises
    (no parent package, or beyond the top-level package)."""
    if level <= 0:
        return target or None
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([target] if target else []))
