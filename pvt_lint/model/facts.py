"""Plain facts about one module, gathered in one traversal and read by every rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

MODULE = "<module>"  # the scope key of module-level names (function scopes are keyed by qualname)

# How code writes shared state.
STORE = "store"  # x = v, self.x = v: rebinds the name or attribute
ITEM_STORE = "item-store"  # x[k] = v, x.a = v: changes the object in place
RMW = "rmw"  # x += 1, x = x + 1, d[k] = d.get(k, 0) + 1: reads then writes
MUTATE = "mutate"  # x.append(v): a mutating method call
DELETE = "delete"  # del x, del x[k]
WRITE_KINDS = frozenset({STORE, ITEM_STORE, RMW, MUTATE, DELETE})

# What a name resolves to inside a function.
GLOBAL = "global"  # module-level name
FREE = "free"  # a variable of an enclosing function (closure / nonlocal)
SELF = "self"  # attribute of the instance (self.x)
CLASS = "class"  # class attribute (Cls.x, cls.x)
LOCAL = "local"
UNKNOWN = "unknown"  # builtins, undefined names


@dataclass(frozen=True)
class StateRef:
    """A piece of state: ``kind`` says where it lives, ``owner`` whose it is."""

    kind: str
    name: str
    owner: str = ""  # class qualname for SELF/CLASS, function qualname for FREE

    @property
    def shared(self) -> bool:
        return self.kind in (GLOBAL, FREE, SELF, CLASS)

    def display(self) -> str:
        if self.kind == SELF:
            return f"self.{self.name}"
        if self.kind == CLASS:
            return f"{self.owner}.{self.name}"
        return self.name


@dataclass
class Access:
    """One write (or tested read) of state by a function; ``ref`` is filled in at finalize."""

    kind: str
    function: Optional[str]  # qualname, None at module level
    line: int
    column: int
    end_line: int
    end_column: int
    root: str  # the first name of the target expression
    attr: Optional[str]  # the attribute right after ``root``, if any
    depth: int  # trailers after root: 0 for ``x``, 1 for ``x[k]``/``x.a``, ...
    locks: frozenset[str]
    text: str  # the target as written, for messages
    via: str = ""  # mutating method name or operator
    statement: Optional[cst.CSTNode] = None
    ref: Optional[StateRef] = None
    in_place: bool = False  # changes an object rather than rebinding a name
    target: Optional[cst.BaseExpression] = None  # the written expression (``d[k]`` of ``d[k] += 1``)


@dataclass
class FunctionInfo:
    qualname: str
    name: str
    line: int
    column: int
    end_line: int
    node: cst.CSTNode
    parent: Optional[str] = None  # enclosing function qualname
    class_qualname: Optional[str] = None  # set for methods (direct children of a class body)
    is_lambda: bool = False
    self_name: Optional[str] = None
    decorators: tuple[str, ...] = ()
    params: set[str] = field(default_factory=set)
    bound: set[str] = field(default_factory=set)  # names assigned in the body (locals)
    global_decls: set[str] = field(default_factory=set)
    nonlocal_decls: set[str] = field(default_factory=set)
    accesses: list[Access] = field(default_factory=list)

    @property
    def is_method(self) -> bool:
        return self.class_qualname is not None

    def binds_locally(self, name: str) -> bool:
        if name in self.global_decls or name in self.nonlocal_decls:
            return False
        return name in self.params or name in self.bound


@dataclass
class ClassInfo:
    qualname: str
    name: str
    line: int
    column: int
    bases: tuple[str, ...]  # resolved dotted names
    methods: dict[str, str] = field(default_factory=dict)  # name -> function qualname
    parent: Optional[str] = None


@dataclass
class CallSite:
    caller: Optional[str]  # function qualname, None at module level or in a class body
    node: cst.Call
    scope: tuple[str, ...]  # enclosing function qualnames, innermost first
    class_qualname: Optional[str]
    line: int
    column: int
    locks: frozenset[str]
    loop_depth: int
    loop_names: frozenset[str] = frozenset()  # names bound by the loops around the call, in its function
    qualname: Optional[str] = None  # the callee, resolved through imports (finalize)
    callee: Optional[str] = None  # a function of this module (finalize)


@dataclass
class DispatchSite:
    """A place where a callable is sent to run in a child process or another thread."""

    context: str  # apis.PROCESS or apis.THREAD
    api: str  # e.g. "multiprocessing.Process", "concurrent.futures.ProcessPoolExecutor.submit"
    role: str  # "target", "run", "initializer", "map", "submit", "call"
    line: int
    column: int
    end_line: int
    end_column: int
    caller: Optional[str]
    call: cst.Call
    callable_node: Optional[cst.BaseExpression]
    form: str = "unknown"  # function, method, nested, lambda, lambda-name, partial, builtin, external, wrapped, unknown
    target: Optional[str] = None  # qualname of the dispatched function of this module
    wrapper: Optional[str] = None  # "wrapped": the nested function a decorator of ``target`` binds in its place
    concurrent: bool = False  # may run at the same time as another copy of itself
    in_loop: bool = False
    loop_names: frozenset[str] = frozenset()  # names bound by the loops around the call
    payload: tuple[cst.BaseExpression, ...] = ()  # other values sent along (args, kwargs, initargs)
    pool: bool = False  # sent through a pool/executor (vs. a Process/Thread object)
    elsewhere: bool = False  # a Thread/Process subclass this module defines but never starts
    path: str = ""  # the other file, for a site in another module (the project's facts); "" for this one
    via: str = ""  # for a site in another module: the function its thread reaches this module through

    @property
    def where(self) -> str:
        """How a message names this site: "started at line 12", "from fetch.py:88 via `Fetcher.run`"."""
        if self.path:
            return f"from {self.path}:{self.line}" + (f" via `{self.via}`" if self.via else "")
        if self.elsewhere:
            return f"defined at line {self.line} and started elsewhere"
        return f"started at line {self.line}"


@dataclass
class IfInfo:
    function: Optional[str]
    line: int
    column: int
    end_line: int
    end_column: int
    node: cst.If
    tested: frozenset[tuple[str, Optional[str]]]  # (root, attr) pairs the test reads
    body: tuple[int, int]  # first and last line of the body
    locks: frozenset[str]


@dataclass
class Binding:
    """A module-level name and, when known, what it was bound to (a resolved dotted type)."""

    name: str
    line: int
    kind: str  # assign, def, class, import, other
    value: Optional[str] = None
