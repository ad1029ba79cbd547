"""A module's summary: the plain, versioned data the project stage joins across modules.

It is the contract between the per-file stage (which builds it from a ``ModuleModel``, through the
model's public facade only) and the project stage (``pvt_lint.runner.project.stage``, which never sees a
syntax tree). Every value is a str, an int, a bool or a tuple of those or of the dataclasses below,
so a summary round-trips through JSON (``to_json``/``from_json``) and can be cached by content hash.

Names are fully qualified dotted names as far as the module alone can tell: a function or class of
the module is ``<module>.<qualname>`` (``pkg.store.Store.save``, ``pkg.a.f.<locals>.g``); an imported
name is what the import table says (``from .b import g`` in ``pkg.a`` makes ``g()`` a call to
``pkg.b.g``); a method called on a known instance keeps the instance (``pkg.b.Store().save``). The
project stage splits such a name into a module and a qualname by the modules it knows.

Two pseudo-functions hold module-level code: ``<module>`` (runs at import, in the parent and in
every spawned child) and ``<main>`` (the ``if __name__ == "__main__":`` body: the parent only).

Bump ``SCHEMA_VERSION`` whenever a field is added, removed or changes meaning.
"""

from __future__ import annotations

import json
from functools import lru_cache
from dataclasses import dataclass, fields, is_dataclass
from typing import Callable, Optional, Union, get_args, get_origin, get_type_hints


SCHEMA_VERSION = 5
IMPORT_TIME = "<module>"  # pseudo-function: module-level code outside the main guard
MAIN = "<main>"  # pseudo-function: the main guard's body

# How a class attribute makes an instance unfit to send to a process (PVT102 / PVT104).
LAMBDA_ATTR = "lambda"
NESTED_ATTR = "nested-function"
PRIMITIVE_ATTR = "thread-primitive"
UNPICKLABLE_ATTR = "unpicklable"  # an object pickle refuses (apis.UNPICKLABLE_OBJECTS)

@dataclass(frozen=True)
class Write:
    """A write of shared state: a module global, ``self.x`` of ``owner`` or a class attribute."""

    state: str  # "global", "self" or "class" (facts.GLOBAL / SELF / CLASS)
    name: str
    owner: str  # class qualname for self/class state, "" for a global
    kind: str  # facts.STORE, ITEM_STORE, RMW, MUTATE or DELETE
    line: int
    column: int
    locks: tuple[str, ...]  # locks held at the write (as written: "self._lock", "LOCK")
    text: str  # the target as written, for messages


@dataclass(frozen=True)
class Call:
    target: str  # the callee, qualified as far as the module knows ("pkg.b.g", "pkg.b.Store().save")
    line: int
    column: int
    locks: tuple[str, ...]
    in_loop: bool  # inside a loop or comprehension of its function
    private: bool = False  # a method called on an object its caller made itself (``r = Reader(); r.read()``)


@dataclass(frozen=True)
class Dispatch:
    """Work sent to another thread or a child process."""

    context: str  # apis.PROCESS or apis.THREAD
    api: str
    role: str  # target, run, initializer, map, submit, call
    form: str  # function, method, nested, lambda, partial, external, unknown, ...
    target: str  # qualified name of what runs there ("" when unknown)
    caller: str  # qualname of the function holding the dispatch, or IMPORT_TIME / MAIN
    line: int
    column: int
    payload: bool  # args/kwargs/initargs (or partial arguments) travel with it
    sent: tuple[str, ...]  # what the payload's values are, where known ("pkg.b.Store()")
    initializer: str  # the pool's initializer (qualified) when the work goes through one, else ""
    start_method: str  # the start method the dispatch names explicitly, else ""
    pool: bool
    concurrent: bool
    elsewhere: bool  # a Thread/Process subclass defined here and started in another module
    self_bound: bool = False  # the callable is ``self.method`` (not a static or class method): ``self`` is sent


@dataclass(frozen=True)
class Cpu:
    """PVT301's profile of a function and its callees in the module (see ``model.work``)."""

    hot: tuple[int, int, str] | None  # (line, column, "for loop"/"recursive call") where time goes
    hot_in: str  # the function (this one or a callee in the module) holding ``hot``, else ""
    blocked: bool  # something that is surely no project function waits or drops the GIL (I/O, a lock)
    blockers: tuple[tuple[str, int, str], ...]  # (dotted callee, line, kind): waits unless the project
    # stage finds a project function of that name that does not


@dataclass(frozen=True)
class ParameterSend:
    """A parameter of a function that a process dispatch in it pickles: passed as the target or in the
    payload (``Process(target=self._run, args=(task_func,))``). A caller that passes a lambda or a nested
    function there hands the child something that cannot be pickled (PVT102 through a helper)."""

    position: int  # among the positional parameters, ``self`` included
    name: str
    line: int  # the dispatch
    every_task: bool  # a pool method: pickled under every start method; else only under spawn/forkserver


@dataclass(frozen=True)
class FunctionSummary:
    qualname: str  # within the module; IMPORT_TIME and MAIN for module-level code
    line: int
    class_qualname: str  # "" unless a method
    parent: str  # enclosing function qualname, ""
    reads: tuple[str, ...]  # module globals whose value it reads, and names from ``from x import y``
    writes: tuple[Write, ...]
    calls: tuple[Call, ...]  # calls to dotted names only: a bare name is a builtin or a local callable
    starts: tuple[tuple[int, str], ...]  # (line, what) calls that start child processes
    locks: tuple[tuple[str, int], ...]  # (lock as written, line) of each ``with lock:``
    cpu: Cpu
    sends: tuple[ParameterSend, ...] = ()  # parameters it hands to a child process, which pickles them
    is_async: bool = False  # an ``async def``: a call makes a coroutine, its body runs where it is awaited


@dataclass(frozen=True)
class Attribute:
    name: str  # the attribute: ``self.<name>``
    kind: str  # LAMBDA_ATTR, NESTED_ATTR, PRIMITIVE_ATTR or UNPICKLABLE_ATTR
    value: str  # what it holds ("<lambda>", "threading.Lock()", the nested function's qualname)
    line: int


@dataclass(frozen=True)
class ClassSummary:
    qualname: str
    line: int
    bases: tuple[str, ...]  # qualified
    methods: tuple[tuple[str, str], ...]  # (name, function qualname)
    attributes: tuple[Attribute, ...]  # lambdas, nested functions, thread primitives held by instances
    lock_attributes: tuple[str, ...]  # attributes holding a lock, or used as ``with self.<x>:``
    thread_safe_doc: str  # the docstring sentence saying it is shared between threads, else ""


@dataclass(frozen=True)
class ModuleSummary:
    schema: int
    module: str
    is_package: bool
    imports: tuple[tuple[str, str], ...]  # (local name, qualified name), relative imports resolved
    globals: tuple[tuple[str, int], ...]  # (name, line) of module-level variables (not defs or imports)
    functions: tuple[FunctionSummary, ...]  # including IMPORT_TIME and MAIN
    classes: tuple[ClassSummary, ...]
    dispatches: tuple[Dispatch, ...]
    start_method: str  # what the module's ``set_start_method("...")`` sets, else ""

    # ---- reading --------------------------------------------------------------------------
    def function(self, qualname: str) -> Optional[FunctionSummary]:
        return next((fn for fn in self.functions if fn.qualname == qualname), None)

    def cls(self, qualname: str) -> Optional[ClassSummary]:
        return next((c for c in self.classes if c.qualname == qualname), None)

    def import_time_calls(self) -> tuple[Call, ...]:
        """Calls that run when the module is imported (module level, outside the main guard)."""
        fn = self.function(IMPORT_TIME)
        return fn.calls if fn else ()

    def runtime_global_writes(self) -> tuple[tuple[str, Write], ...]:
        """(function, write) of module globals written after import: in functions or the main guard."""
        return tuple(
            (fn.qualname, w) for fn in self.functions if fn.qualname != IMPORT_TIME
            for w in fn.writes if w.state == "global"
        )

    # ---- JSON ----------------------------------------------------------------------------
    def to_json(self) -> str:
        """Compact JSON: each dataclass is the list of its field values, in declaration order."""
        return json.dumps(encode(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "ModuleSummary":
        data = json.loads(text)
        if not isinstance(data, list) or not data or data[0] != SCHEMA_VERSION:
            raise ValueError(f"summary schema {data[0] if isinstance(data, list) and data else None!r}, "
                             f"expected {SCHEMA_VERSION}")
        return decode(cls, data)


def encode(value):
    """A dataclass as the list of its fields' values (recursively); tuples as lists."""
    if is_dataclass(value):
        return [encode(getattr(value, f.name)) for f in fields(value)]
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    return value


def decode(kind, data):
    """Rebuild a value of type ``kind`` from ``encode``'s form (dataclasses, tuples, unions, scalars)."""
    return _decoder(kind)(data)


@lru_cache(maxsize=None)
def _decoder(kind) -> Callable:
    """The function that rebuilds ``kind``, made once per type: reading the type hints of a dataclass on
    every value cost a warm run of the concurrency set 54 of its 86 seconds."""
    origin = get_origin(kind)
    if is_dataclass(kind):
        hints = get_type_hints(kind)
        return _fields(kind, tuple(_decoder(hints[f.name]) for f in fields(kind)))
    if origin is tuple:
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            one = _decoder(args[0])
            if one is _same:
                return tuple  # scalars need no rebuilding: a warm run decodes hundreds of thousands
            return lambda data: tuple([one(item) for item in data])
        return _fields(tuple, tuple(_decoder(arg) for arg in args), spread=False)
    if origin is Union or type(kind).__name__ == "UnionType":
        inner = _decoder(next(a for a in get_args(kind) if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    return _same


def _same(data):
    return data


def _fields(make, parts: tuple, spread: bool = True) -> Callable:
    """Rebuild a fixed-length value (a dataclass's fields, a tuple's items) from a list of exactly
    ``len(parts)`` items, converting only the items that are not scalars."""
    size = len(parts)
    rebuilt = tuple((index, part) for index, part in enumerate(parts) if part is not _same)

    def build(data):
        if len(data) != size:
            raise ValueError(f"expected {size} items, got {len(data)}")
        values = list(data)
        for index, part in rebuilt:
            values[index] = part(values[index])
        return make(*values) if spread else make(values)

    return build
