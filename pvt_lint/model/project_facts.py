"""What the whole project says about one module: the project stage's output, read by rules.

Plain data, like the summaries it comes from (``summary.py``): the runner's project stage
(``pvt_lint.runner.project.stage``) builds one ``ModuleFacts`` per module, and a rule judging that module
reads it beside the module's own ``ModuleModel``. ``fingerprint()`` hashes it, so a cache can key a
module's findings on (its content hash, the fingerprint of the facts it received): editing module B
re-judges module A exactly when A's facts change.

Functions are named ``module:qualname`` (``pkg.store:Store.save``); ``display`` turns that into
what a message shows (``Store.save``). Every fact keeps the chain that led to it, first step first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .summary import decode, encode


def display(key: str) -> str:
    """``pkg.store:Store.save`` -> ``Store.save``; ``pkg.main:<main>`` -> ``pkg.main``'s main guard."""
    module, _, qualname = key.partition(":")
    if qualname == "<main>":
        return f"the main guard of {module}"
    if qualname == "<module>":
        return f"module-level code of {module}"
    return qualname or module


def module_path(own_path: str, own_module: str, other_module: str) -> str:
    """The file of ``other_module`` relative to the import root, as the project stage's sites name files:
    ``crawler/fetcher.py`` for ``crawler.fetcher``, whatever directory the run started in. A guess for a
    package's ``__init__.py``; "" when ``own_path`` (the file of ``own_module``) does not end with the
    module's own parts, so the two are not laid out as modules."""
    own = own_path.replace("\\", "/")
    stem = own.rsplit(".", 1)[0]
    if stem.endswith("/__init__"):
        stem = stem[: -len("/__init__")]
    if not stem.endswith("/".join(own_module.split("."))):
        return ""
    return "/".join(other_module.split(".")) + ".py"


@dataclass(frozen=True)
class Site:
    """A dispatch site: where work is sent to a thread or a child process."""

    module: str
    path: str  # the module's file as messages show it ("fetch.py", "src/pkg/fetch.py"); "" when unknown
    line: int
    column: int
    context: str  # "thread" or "process"
    api: str
    role: str
    start_method: str  # explicit at the site, else set by its module or the program's entry module, else ""
    initializer: str  # the pool's initializer (a function key), else ""
    payload: bool  # args/kwargs/initargs/partial arguments travel with it
    concurrent: bool  # may run beside another copy of itself (a pool, a loop, several sites)
    elsewhere: bool  # a Thread/Process subclass whose instances are started in another module


    @property
    def where(self) -> str:
        """How a message names the site: ``fetch.py:88``."""
        return f"{self.path or self.module}:{self.line}"


@dataclass(frozen=True)
class Reason:
    """Why a function runs in a thread or child: the site, and the calls from its target down to it."""

    site: Site
    chain: tuple[str, ...]  # function keys: the dispatched target first, the function itself last


@dataclass(frozen=True)
class Starter:
    """Why a function starts processes when it runs: the calls down to the one that starts them."""

    chain: tuple[str, ...]  # function keys: the function itself first, the one holding the start last
    line: int  # the starting call in the last function
    what: str  # "starts a process pool", "runs its tasks in worker processes (a process backend)"


@dataclass(frozen=True)
class CpuWork:
    """Why a function is CPU-bound: the calls down to the function whose loop or recursion holds the GIL."""

    chain: tuple[str, ...]
    line: int  # the hot loop or recursive call, in the last function
    what: str  # "for loop", "while loop", "comprehension", "recursive call"


@dataclass(frozen=True)
class FunctionFacts:
    key: str
    threads: tuple[Reason, ...] = ()  # at most a few, shortest chains first
    processes: tuple[Reason, ...] = ()  # child-process tasks (pool initializers are separate)
    initializers: tuple[Reason, ...] = ()  # runs as (or under) a pool initializer in the child
    starts: Starter | None = None
    cpu: CpuWork | None = None
    caller_locks: tuple[str, ...] = ()  # "module:lock" held at every call site, in any module


@dataclass(frozen=True)
class GlobalSet:
    """A module global that code running in the parent after import sets, rebinds or fills."""

    module: str  # whose global
    name: str
    setter: str  # function key (``pkg.main:<main>`` for the main guard)
    line: int
    kind: str  # store, item-store, rmw, mutate, delete
    starting: bool = False  # the setter, or a function that calls it, starts processes: the same program


@dataclass(frozen=True)
class ChildRead:
    """A global read by code that runs in a child process (PVT105's other half)."""

    module: str
    name: str
    reader: str  # function key
    reason: Reason
    set_by_initializer: bool  # the pool initializer of the reason's site (or what it calls) sets it


@dataclass(frozen=True)
class UnfitSend:
    """An instance of a project class holding a lambda, nested function or thread primitive, sent to
    a child process (PVT102 / PVT104 across modules)."""

    line: int  # the dispatch, in this module
    how: str  # "argument" or "bound-method target"
    cls: str  # class key
    attribute: str
    kind: str  # summary.LAMBDA_ATTR / NESTED_ATTR / PRIMITIVE_ATTR / UNPICKLABLE_ATTR
    attribute_module: str
    attribute_line: int
    value: str = ""  # what the attribute holds (the summary's Attribute.value)


@dataclass(frozen=True)
class HelperSend:
    """A call of this module to a project function that hands one of its parameters to a child process
    (``summary.ParameterSend``): what the call passes there is pickled (PVT102 through a helper)."""

    line: int  # the call, in this module
    column: int
    callee: str  # function key
    position: int  # among the callee's positional parameters, ``self`` included
    name: str  # the parameter
    cls: str  # the callee's class qualname when it is a method (called on an instance, ``self`` is not passed)
    every_task: bool  # a pool method pickles it under every start method
    site_module: str  # the dispatch that pickles it
    site_line: int


@dataclass(frozen=True)
class SharedClass:
    """A class of this module whose instances are shared between threads, and the evidence."""

    cls: str  # class key
    evidence: str  # "docstring", "own lock", "thread"
    detail: str  # the docstring sentence, the lock attribute, or the thread site "pkg.fetch:88"


@dataclass(frozen=True)
class ImportTimeStart:
    """A module-level call outside the main guard that (transitively) starts processes (PVT103)."""

    line: int
    target: str  # what the call names, qualified
    starter: Starter


@dataclass(frozen=True)
class CpuSend:
    """A dispatch of this module that sends another module's CPU-bound function to threads (PVT301)."""

    line: int
    column: int
    target: str  # function key of the dispatched function
    work: CpuWork


@dataclass(frozen=True)
class ModuleFacts:
    module: str
    functions: tuple[FunctionFacts, ...] = ()  # only functions with at least one fact
    import_time_starts: tuple[ImportTimeStart, ...] = ()
    global_sets: tuple[GlobalSet, ...] = ()  # set by parent code (any module): this module's globals, and those its child code reads
    child_reads: tuple[ChildRead, ...] = ()  # globals (any module's) read by this module's child code
    unfit_sends: tuple[UnfitSend, ...] = ()
    shared_classes: tuple[SharedClass, ...] = ()
    program_start_methods: tuple[str, ...] = ()  # set_start_method values of entry modules reaching it
    cpu_sends: tuple[CpuSend, ...] = ()  # this module's thread dispatches of other modules' CPU-bound work
    helper_sends: tuple[HelperSend, ...] = ()  # calls handing a value to a helper that sends it to a process

    @classmethod
    def empty(cls, module: str = "") -> "ModuleFacts":
        """No project facts: what a module's model holds when no project stage ran."""
        return cls(module)

    def __bool__(self) -> bool:
        """False when the project says nothing about the module (the engine's gate still applies)."""
        return bool(
            self.functions or self.import_time_starts or self.global_sets or self.child_reads
            or self.unfit_sends or self.shared_classes or self.program_start_methods or self.cpu_sends
            or self.helper_sends
        )

    def sends_at(self, line: int) -> tuple[UnfitSend, ...]:
        """The unfit instances sent by this module's dispatch on ``line``."""
        return tuple(u for u in self.unfit_sends if u.line == line)

    def process_functions(self) -> tuple[FunctionFacts, ...]:
        """The functions that run as child-process tasks."""
        return tuple(f for f in self.functions if f.processes)

    def thread_functions(self) -> tuple[FunctionFacts, ...]:
        """The functions that threads run."""
        return tuple(f for f in self.functions if f.threads)

    def function(self, qualname: str) -> FunctionFacts | None:
        index = self.__dict__.get("_by_qualname")
        if index is None:
            index = {f.key.partition(":")[2]: f for f in self.functions}
            object.__setattr__(self, "_by_qualname", index)  # a cache, not a field: frozen data stays equal
        return index.get(qualname)

    def to_json(self) -> str:
        return json.dumps(encode(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "ModuleFacts":
        return decode(cls, json.loads(text))

    def fingerprint(self) -> str:
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ProjectFacts:
    modules: dict[str, ModuleFacts]

    def for_module(self, name: str) -> ModuleFacts:
        return self.modules.get(name) or ModuleFacts(name)
