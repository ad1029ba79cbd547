"""A module's import list from CPython's AST: the cheap half of a summary that every file gets, gated
in or not, so the runner knows the project's import graph without building a model for every module.

Only statements are walked (module level, function and class bodies, compound statements), never
expressions: an import is a statement.
"""

from __future__ import annotations

import ast
from typing import Optional

_BODIES = ("body", "orelse", "finalbody")


def import_list(tree: ast.Module, module: str, is_package: bool = False) -> tuple[str, ...]:
    """Every dotted name ``module`` imports, relative imports resolved, sorted. ``from a import b``
    gives ``a`` and ``a.b`` (``b`` may be a submodule); an import Python would refuse is left out."""
    found: set[str] = set()
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node.level, node.module or "")
            if base is None:
                continue
            if node.module or node.level == 0:
                found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        else:
            for name in _BODIES:
                stack.extend(getattr(node, name, ()))
            for handler in getattr(node, "handlers", ()):
                stack.extend(handler.body)
            for case in getattr(node, "cases", ()):
                stack.extend(case.body)
    return tuple(sorted(found))


def _absolute(module: str, is_package: bool, level: int, target: str) -> Optional[str]:
    if level <= 0:
        return target or None
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(package):
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([target] if target else [])) or None
