"""Which modules can hold a finding: a cheap look at CPython's AST before the libcst parse.

Every rule judges facts that exist only when the module (a) dispatches work or starts processes through
an API the model knows, or (b) has a lock region. The model knows an API by its qualified name, reached
through an import of one of the concurrency modules and ending in one of the API's own names; a lock
region is a ``with`` on something named or built like a lock, or an ``acquire()`` call. A module with
neither can hold no finding, whatever its size, and skips the libcst parse (which costs several times
CPython's own parse). The gate only has to be generous: the model decides.

``tests/test_gate.py`` checks every fixture and rule example that has a finding passes the gate, and the
benchmark sweep compares findings with and without it on every corpus file.
"""

from __future__ import annotations

import ast

from .model import apis
from .model.apis import lock_like

# Top-level modules through which the model resolves any dispatch or process API.
_MODULES = frozenset({"threading", "_thread", "multiprocessing", "concurrent", "loky", "billiard", "asyncio"})


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


# The last component of every API the model recognises: a qualified name ends in one of these.
_API_NAMES = frozenset(
    _last(name)
    for group in (
        apis.PROCESS_CLASSES,
        apis.THREAD_CLASSES,
        apis.POOL_CONSTRUCTORS,
        apis.THREAD_CALLS,
        apis.PROCESS_STARTING_CALLS,
    )
    for name in group
)
# `loop.run_in_executor(None, f)` needs no import at all.
_IMPORT_FREE_APIS = frozenset({"run_in_executor"})
# Names that make a `with` item a lock by its value (``self._m = threading.Lock()``; any ``X.Lock()``).
_LOCK_TYPE_NAMES = frozenset(_last(name) for name in apis.LOCK_TYPES) | {"Lock", "RLock"}


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` -> "a.b.c", ``a.b(x)`` -> "a.b()": the collector's spelling of a ``with`` item."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call):
        base = _dotted(node.func)
        return f"{base}()" if base else None
    return None


def _named_like_a_lock(expr: ast.AST) -> bool:
    if isinstance(expr, ast.Call) and (expr.args or expr.keywords):
        return False  # the collector judges such items by their value only
    text = _dotted(expr)
    return text is not None and lock_like(text)


def may_find(tree: ast.AST) -> bool:
    """Could the concurrency model of this module hold anything a rule judges?"""
    imports_api_module = False
    names: set[str] = set()
    withs = False
    for node in ast.walk(tree):
        kind = type(node)
        if kind is ast.Attribute:
            if node.attr == "acquire" or node.attr in _IMPORT_FREE_APIS:
                return True
            names.add(node.attr)
        elif kind is ast.Name:
            names.add(node.id)
        elif kind is ast.With or kind is ast.AsyncWith:
            withs = True
            if any(_named_like_a_lock(item.context_expr) for item in node.items):
                return True
        elif kind is ast.Import:
            for alias in node.names:
                imports_api_module = imports_api_module or alias.name.split(".", 1)[0] in _MODULES
        elif kind is ast.ImportFrom:
            if node.level == 0 and node.module and node.module.split(".", 1)[0] in _MODULES:
                imports_api_module = True
            names.update(alias.name for alias in node.names)
    if imports_api_module and not names.isdisjoint(_API_NAMES):
        return True
    return withs and not names.isdisjoint(_LOCK_TYPE_NAMES)
