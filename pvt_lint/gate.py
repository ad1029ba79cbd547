"""Which modules can hold a finding: a textual prefilter, then a cheap look at CPython's AST before the
libcst parse. Both look for what the registry (apis.py) says: its modules, its API names, its lock stems.

Every rule judges facts that exist only when the module (a) dispatches work or starts processes through
an API the model knows, or (b) has a lock region. The model knows an API by its qualified name, reached
through an import of one of the concurrency modules and ending in one of the API's own names; a lock
region is a ``with`` on something named or built like a lock, or an ``X.acquire()`` call. A module with
neither can hold no finding, whatever its size, and skips the libcst parse (which costs several times
CPython's own parse). The gate only has to be generous: the model decides.

``tests/test_gate.py`` checks that every fixture and rule example with a finding passes the gate;
``benchmarks/gatecheck.py`` analyses every module the gate skips in the corpora and the stdlib, in full,
and reports any that would have had a finding.
"""

from __future__ import annotations

import ast
from operator import attrgetter

from . import apis
from .apis import PREFILTER_LOCK, PREFILTER_WORDS, lock_like


def mentions_concurrency(text: str) -> bool:
    """The textual prefilter before the gate: does the source mention any word the registry looks for?"""
    # Substring tests first: each is one fast scan, where a regex alternation is a slow one.
    return any(word in text for word in PREFILTER_WORDS) or bool(PREFILTER_LOCK.search(text.lower()))


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
        apis.THIRD_PARTY_PROCESS_STARTERS,
    )
    for name in group
)
# Calls that give a multiprocessing context, whose attributes are the module's (``ctx.Process``).
_CONTEXT_NAMES = frozenset(_last(name[:-2]) for name in apis.MULTIPROCESSING_ALIASES)
# Names that make a `with` item a lock by its value (``self._m = threading.Lock()``; any ``X.Lock()``).
_LOCK_TYPE_NAMES = frozenset(_last(name) for name in apis.LOCK_TYPES) | {"Lock", "RLock"}

_SPELLING = apis.Spelling(ast.Name, attrgetter("id"), ast.Attribute, attrgetter("attr"), ast.Call)


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` -> "a.b.c", ``a.b(x)`` -> "a.b()": the collector's spelling of a ``with`` item."""
    return apis.dotted(node, _SPELLING)


def _named_like_a_lock(expr: ast.AST) -> bool:
    """The collector's ``is_lock_expr``: ``self._lock``, ``named_mutex(path)``, ``self._locks[key]``."""
    text = _dotted(expr.value) + apis.ITEM if type(expr) is ast.Subscript and _dotted(expr.value) else _dotted(expr)
    return text is not None and lock_like(text)


def _root(node: ast.AST) -> ast.AST:
    """The innermost value of an attribute/call/subscript chain: ``a`` of ``a.b(c).d[e].f``."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _nodes(tree: ast.AST):
    """Every node of the tree, in no particular order: ``ast.walk`` without its per-node generators, and
    without the ``Load``/``Store`` markers (a third of all nodes, and never of interest here)."""
    stack = [tree]
    pop, push, extend, node_type = stack.pop, stack.append, stack.extend, ast.AST
    fields = _CHILD_FIELDS
    while stack:
        node = pop()
        yield node
        kind = type(node)
        names = fields.get(kind)
        if names is None:
            names = fields[kind] = tuple(name for name in kind._fields if name != "ctx")
        for name in names:
            value = getattr(node, name, None)
            if type(value) is list:
                extend(item for item in value if isinstance(item, node_type))
            elif isinstance(value, node_type):
                push(value)


def may_find(tree: ast.AST) -> bool:
    """Could the concurrency model of this module hold anything a rule judges?

    A dispatch API counts when it is reached the way the model resolves it: imported by name from a
    concurrency module (``from threading import Thread``), or as an attribute of a name bound to one
    (``threading.Thread``, ``mp.get_context("spawn").Process``), or of any other name when the module
    also takes a multiprocessing context (``ctx.Process`` after ``ctx = mp.get_context()``).
    """
    bound: set[str] = set()  # local names bound by an import of or from a concurrency module
    imported_apis = False
    uses: list[ast.Attribute] = []  # attributes named like an API
    takes_context = False
    withs = False
    names: set[str] = set()
    for node in _nodes(tree):
        kind = type(node)
        if kind is ast.Call:
            func = node.func
            # The collector opens a lock region at ``X.acquire()`` for any dotted X; a mere reference
            # (``self.acquire = lock.acquire``) opens none.
            if type(func) is ast.Attribute and func.attr == "acquire" and _dotted(func.value) is not None:
                return True
        elif kind is ast.Attribute:
            attr = node.attr
            if attr in apis.IMPORT_FREE_NAMES:
                return True
            if attr in _API_NAMES:
                uses.append(node)
            elif attr in _CONTEXT_NAMES:
                takes_context = True
            names.add(attr)
        elif kind is ast.Name:
            names.add(node.id)
        elif kind is ast.With or kind is ast.AsyncWith:
            withs = True
            if any(_named_like_a_lock(item.context_expr) for item in node.items):
                return True
        elif kind is ast.Import:
            for alias in node.names:
                if alias.name.split(".", 1)[0] in apis.GATE_MODULES:
                    bound.add(alias.asname or alias.name.split(".", 1)[0])
        elif kind is ast.ImportFrom:
            names.update(alias.name for alias in node.names)
            if node.level == 0 and node.module and node.module.split(".", 1)[0] in apis.GATE_MODULES:
                for alias in node.names:
                    bound.add(alias.asname or alias.name)
                    imported_apis = imported_apis or alias.name in _API_NAMES
                    takes_context = takes_context or alias.name in _CONTEXT_NAMES
    if imported_apis:
        return True
    if bound:
        for use in uses:
            root = _root(use.value)
            if isinstance(root, ast.Name) and (root.id in bound or takes_context):
                return True
    return withs and not names.isdisjoint(_LOCK_TYPE_NAMES)
