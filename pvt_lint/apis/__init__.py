"""The registry: every thread, process, pool, lock and shared-object API pvt-lint knows, described once.

Each API is one ``Api`` record in ``RECORDS``. Everything else is derived from them, once, below: the
tables the model reads (``PROCESS_CLASSES``, ``POOL_CONSTRUCTORS``...), the words of the textual prefilter
and of the AST gate (gate.py), the resolver's module aliases (``normalize``), how messages name an API
(``display``) and what PVT301 suggests instead (``alternatives``). Adding an API family is one edit here
(and a fixture).

Names are the resolver's, after ``normalize``: ``multiprocessing.get_context("spawn")`` and ``billiard``
both stand for the ``multiprocessing`` module, so a context's ``ctx.Process`` is ``multiprocessing.Process``.

This is the bottom layer: it imports nothing else of pvt_lint, and not libcst (the gate reads it before
any libcst parse).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Callable, Iterable, Optional

# Where an API runs work, or whom an object serves.
PROCESS = "process"
THREAD = "thread"

# How what an API sends to another process travels.
PICKLE = "pickle"
DILL = "dill"  # also lambdas and nested functions; copies locks and queues without complaint
CLOUDPICKLE = "cloudpickle"  # also lambdas and nested functions

# What the model does with an API; a record has one role or more.
RUNS_TARGET = "runs-target"  # a class whose instances run ``target`` (or a subclass's ``run``)
POOL = "pool"  # a pool or executor constructor: its POOL_METHODS send work to its context
SENDS_CALLABLE = "sends-callable"  # a call that runs its first argument in a thread
LOOP_EXECUTOR = "loop-executor"  # ``loop.run_in_executor(None, f)``: reached without any import
CONTEXT = "context"  # gives a multiprocessing context, whose attributes are the module's
LOCK = "lock"  # builds a lock: a ``with`` on its value is a lock region
ONE_PROCESS = "one-process"  # an object that works inside one process only
SHARED = "shared"  # a module-level value a child may change: shared across processes, or per process, by design
STARTS = "starts"  # calling it at import time starts child processes (or how they start)
# ---- roles of PVT204, PVT205, PVT302 (signals, exits, pool start-up) ----
MAIN_THREAD_ONLY = "main-thread-only"  # raises ValueError when called in any thread but the main one
ENDS_THREAD_CALL = "ends-thread-call"  # calling it raises SystemExit: outside the main thread, ends that thread only
ENDS_THREAD_RAISE = "ends-thread-raise"  # raising it: the same, spelled ``raise SystemExit``
ENDS_PROCESS = "ends-process"  # ends the whole process from any thread (a watchdog's deliberate way out)
REUSES_WORKERS = "reuses-workers"  # a process pool constructor that hands back a cached pool when called again

# The roles that can lead to a finding by themselves; the others matter only next to one of these.
_LOOKED_FOR = frozenset({RUNS_TARGET, POOL, SENDS_CALLABLE, LOOP_EXECUTOR, CONTEXT, LOCK, STARTS})


@dataclass(frozen=True)
class Api:
    """One API: a class, constructor or call of a concurrency package, under all of its names."""

    name: str  # qualified, as the resolver spells it: "concurrent.futures.ThreadPoolExecutor"
    roles: frozenset[str]
    context: Optional[str] = None  # PROCESS or THREAD
    pickler: Optional[str] = None  # for APIs that send work or objects to processes
    alternative: tuple[str, ...] = ()  # the names of the APIs that do the same in the other world
    aliases: tuple[str, ...] = ()  # other names of the same object
    display: str = ""  # how messages name it: its name, unless said otherwise
    initializer: Optional[int] = None  # a pool's positional index of ``initializer``
    starts: str = ""  # what calling it does, for STARTS
    target_keyword: str = "target"  # for RUNS_TARGET: the keyword of the callable it runs

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def words(self) -> tuple[str, ...]:
        """What the prefilter and the gate look for: the module the API is imported from, or the method's
        own name for one reached without an import; nothing for an API that matters only beside another."""
        if not self.roles & _LOOKED_FOR:
            return ()
        if LOOP_EXECUTOR in self.roles:
            return (self.name.rsplit(".", 1)[-1],)
        return (self.name.split(".", 1)[0],)


def _api(name: str, *roles: str, **fields) -> Api:
    return Api(name, frozenset(roles), **fields)


_MP = "multiprocessing"
_THREAD_ALTERNATIVE = ("multiprocessing.Process", "concurrent.futures.ProcessPoolExecutor")
_EXECUTOR_ALTERNATIVE = ("concurrent.futures.ProcessPoolExecutor",)

# The standard library's APIs and those of the packages that pickle differently (loky, pathos).
# Every ``multiprocessing`` record gets a ``multiprocess`` twin below.
_RECORDS = (
    # ---- work sent to another process or thread -------------------------------------------------
    _api("multiprocessing.Process", RUNS_TARGET, context=PROCESS, pickler=PICKLE, aliases=(
        "multiprocessing.process.BaseProcess", "multiprocessing.context.Process",
        "multiprocessing.context.ForkProcess", "multiprocessing.context.SpawnProcess",
        "multiprocessing.context.ForkServerProcess",
    )),
    _api("threading.Thread", RUNS_TARGET, context=THREAD, alternative=_THREAD_ALTERNATIVE),
    _api("threading.Timer", RUNS_TARGET, context=THREAD, alternative=_THREAD_ALTERNATIVE, target_keyword="function"),
    _api("multiprocessing.dummy.Process", RUNS_TARGET, context=THREAD, alternative=("multiprocessing.Process",)),
    _api("multiprocessing.Pool", POOL, context=PROCESS, pickler=PICKLE, initializer=1,
         aliases=("multiprocessing.pool.Pool",)),
    _api("multiprocessing.pool.ThreadPool", POOL, context=THREAD, initializer=1,
         alternative=("multiprocessing.Pool",)),
    _api("multiprocessing.dummy.Pool", POOL, context=THREAD, initializer=1, alternative=("multiprocessing.Pool",)),
    _api("concurrent.futures.ProcessPoolExecutor", POOL, context=PROCESS, pickler=PICKLE, initializer=2,
         aliases=("concurrent.futures.process.ProcessPoolExecutor",)),
    _api("concurrent.futures.ThreadPoolExecutor", POOL, context=THREAD, initializer=2,
         aliases=("concurrent.futures.thread.ThreadPoolExecutor",), alternative=_EXECUTOR_ALTERNATIVE),
    _api("loky.ProcessPoolExecutor", POOL, context=PROCESS, pickler=CLOUDPICKLE),
    _api("loky.get_reusable_executor", POOL, REUSES_WORKERS, context=PROCESS, pickler=CLOUDPICKLE),
    # pathos: pools with their own names and methods (``ProcessPool(nodes=4).amap(f, xs)``) over multiprocess.
    _api("pathos.pools.ProcessPool", POOL, REUSES_WORKERS, context=PROCESS, pickler=DILL,
         aliases=("pathos.multiprocessing.ProcessPool", "pathos.multiprocessing.ProcessingPool")),
    _api("pathos.pools.ThreadPool", POOL, context=THREAD, aliases=("pathos.threading.ThreadPool",),
         alternative=("pathos.pools.ProcessPool",)),
    _api("asyncio.to_thread", SENDS_CALLABLE, context=THREAD, alternative=_EXECUTOR_ALTERNATIVE),
    _api("_thread.start_new_thread", SENDS_CALLABLE, context=THREAD, aliases=("_thread.start_new",),
         alternative=_THREAD_ALTERNATIVE),
    _api("loop.run_in_executor", LOOP_EXECUTOR, context=THREAD, alternative=_EXECUTOR_ALTERNATIVE),
    _api("multiprocessing.get_context", CONTEXT, aliases=(
        "multiprocessing.context.get_context", "multiprocessing.context.SpawnContext",
        "multiprocessing.context.ForkContext", "multiprocessing.context.ForkServerContext",
        "multiprocessing.context.DefaultContext",
    )),
    _api("multiprocessing.Manager", SHARED, STARTS, context=PROCESS, starts="starts a manager server process"),
    _api("multiprocessing.set_start_method", STARTS, starts="sets the start method"),
    # ---- locks, and objects that work inside one process only, with what works across processes ----
    _api("threading.Lock", LOCK, ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Lock",)),
    _api("threading.RLock", LOCK, ONE_PROCESS, context=THREAD, alternative=("multiprocessing.RLock",)),
    _api("threading.Condition", LOCK, ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Condition",)),
    _api("threading.Semaphore", LOCK, ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Semaphore",)),
    _api("threading.BoundedSemaphore", LOCK, ONE_PROCESS, context=THREAD,
         alternative=("multiprocessing.BoundedSemaphore",)),
    _api("_thread.allocate_lock", LOCK, ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Lock",)),
    _api("_thread.LockType", LOCK, context=THREAD),
    _api("_thread.RLock", LOCK, context=THREAD),
    _api("asyncio.Lock", LOCK, context=THREAD),
    _api("threading.Event", ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Event",)),
    _api("threading.Barrier", ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Barrier",)),
    _api("queue.Queue", ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Queue",)),
    _api("queue.LifoQueue", ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Queue",)),
    _api("queue.PriorityQueue", ONE_PROCESS, context=THREAD, alternative=("multiprocessing.Queue",)),
    _api("queue.SimpleQueue", ONE_PROCESS, context=THREAD, alternative=("multiprocessing.SimpleQueue",)),
    *(_api(f"multiprocessing.{name}", LOCK, SHARED, context=PROCESS)
      for name in ("Lock", "RLock", "Condition", "Semaphore", "BoundedSemaphore")),
    *(_api(name, SHARED, context=PROCESS) for name in (
        "multiprocessing.Event", "multiprocessing.Barrier", "multiprocessing.Queue",
        "multiprocessing.JoinableQueue", "multiprocessing.SimpleQueue", "multiprocessing.Pipe",
        "multiprocessing.Value", "multiprocessing.Array", "multiprocessing.RawValue", "multiprocessing.RawArray",
        "multiprocessing.sharedctypes.Value", "multiprocessing.sharedctypes.Array",
        "multiprocessing.sharedctypes.RawValue", "multiprocessing.sharedctypes.RawArray",
        "multiprocessing.shared_memory.SharedMemory", "multiprocessing.shared_memory.ShareableList",
        "multiprocessing.managers.SyncManager",
    )),
    # Per process by design: a child's changes to these are not lost updates.
    *(_api(name, SHARED) for name in ("threading.local", "_thread._local", "logging.getLogger")),
)

# The ``multiprocess`` package is the standard library's multiprocessing under another name, pickling with
# dill: every multiprocessing API has a twin there, with the same context, and lambdas and nested
# functions travel.
DILL_FORK = "multiprocess"


def _twin(name: str) -> str:
    return DILL_FORK + name[len(_MP):] if name == _MP or name.startswith(_MP + ".") else name


def _dill_twin(api: Api) -> Api:
    return replace(
        api,
        name=_twin(api.name),
        aliases=tuple(map(_twin, api.aliases)),
        alternative=tuple(map(_twin, api.alternative)),
        display=_twin(api.display),
        pickler=DILL if api.pickler else None,
    )


# ---- signals and exits (PVT204, PVT205) ----------------------------------------------------------------
# What only the main thread may do, and what ends a thread rather than the program. None of these is looked
# for by the prefilter or the gate: they matter only in code that runs in a thread the module starts.
_SIGNALS_AND_EXITS = (
    # CPython's signal module checks the calling thread: "signal only works in main thread of the main
    # interpreter". ``pthread_sigmask``, ``getsignal``, ``raise_signal`` and ``alarm`` work in any thread.
    _api("signal.signal", MAIN_THREAD_ONLY),
    _api("signal.set_wakeup_fd", MAIN_THREAD_ONLY),
    # SystemExit ends the thread it is raised in; threading's excepthook ignores it without a word.
    _api("sys.exit", ENDS_THREAD_CALL),
    _api("exit", ENDS_THREAD_CALL, aliases=("builtins.exit",)),  # site's helpers for the interactive prompt
    _api("quit", ENDS_THREAD_CALL, aliases=("builtins.quit",)),
    _api("SystemExit", ENDS_THREAD_RAISE, aliases=("builtins.SystemExit",)),
    # These end the process from any thread, with no clean-up: a watchdog's deliberate exit, never flagged.
    _api("os._exit", ENDS_PROCESS),
    _api("os.abort", ENDS_PROCESS),
)

RECORDS: tuple[Api, ...] = (
    *_RECORDS,
    *(_dill_twin(api) for api in _RECORDS if api.name.startswith(_MP + ".")),
    *_SIGNALS_AND_EXITS,
)

# Packages that are another package under a new name: the resolver reads them as that package.
MODULE_ALIASES = {"billiard": _MP, "pathos.helpers.mp": DILL_FORK}

# ---- the tables the model reads, derived from the records ------------------------------------------


def _names(role: str, context: Optional[str] = None) -> frozenset[str]:
    return frozenset(
        name for api in RECORDS if role in api.roles and context in (None, api.context) for name in api.names
    )


def _table(role: str, value: Callable[[Api], object]) -> dict[str, object]:
    return {name: value(api) for api in RECORDS if role in api.roles for name in api.names}


# Classes whose instances run ``target`` (or ``run``) somewhere else.
PROCESS_CLASSES = _names(RUNS_TARGET, PROCESS)
THREAD_CLASSES = _names(RUNS_TARGET, THREAD)
# Those classes -> the keyword of the callable they run (``Timer(interval, function)``).
TARGET_KEYWORDS: dict[str, str] = _table(RUNS_TARGET, attrgetter("target_keyword"))
# Pools and executors: constructor -> execution context.
POOL_CONSTRUCTORS: dict[str, str] = _table(POOL, attrgetter("context"))
# Where a pool constructor takes ``initializer`` positionally.
INITIALIZER_POSITION: dict[str, int] = {
    name: position for name, position in _table(POOL, attrgetter("initializer")).items() if position is not None
}
# Calls that send their first argument to a thread.
THREAD_CALLS = _names(SENDS_CALLABLE)
# Calls that give a multiprocessing context -> the module it stands for.
MULTIPROCESSING_ALIASES = {f"{name}()": name.split(".", 1)[0] for name in _names(CONTEXT)}
LOCK_TYPES = _names(LOCK)
# Objects that work inside one process only -> what to build across processes instead.
THREAD_PRIMITIVES: dict[str, str] = _table(ONE_PROCESS, lambda api: f"{api.alternative[0]}()")
# Module-level values that are shared between processes by design (or are per-process by design).
PROCESS_SHARED_CALLS = _names(SHARED)
# Calls that start (or configure the starting of) child processes as soon as they run.
PROCESS_STARTING_CALLS: dict[str, str] = _table(STARTS, attrgetter("starts"))

# ``BaseManager.register(typeid, callable=None, ...)``: the manager's server process calls ``callable``
# whenever a client asks for ``typeid`` (the first argument, a string); what it returns is shared through
# a proxy. A class whose name ends with MANAGER_SUFFIX and that is defined in another module counts as a
# manager class, since its bases are not in sight.
MANAGER_CLASSES = frozenset(
    f"{family}.managers.{name}" for family in (_MP, DILL_FORK) for name in ("BaseManager", "SyncManager")
)
MANAGER_REGISTER = "register"
MANAGER_CALLABLE = "callable"  # the keyword of the registered callable; the second positional otherwise
MANAGER_SUFFIX = "Manager"
# ---- PVT204, PVT205, PVT302 ----
# Calls that raise ValueError outside the main thread (PVT204).
MAIN_THREAD_ONLY_CALLS = _names(MAIN_THREAD_ONLY)
# Calls and exceptions that end only the thread they run in (PVT205), and what ends the process instead.
THREAD_ENDING_CALLS = _names(ENDS_THREAD_CALL)
THREAD_ENDING_EXCEPTIONS = _names(ENDS_THREAD_RAISE)
PROCESS_ENDING_CALLS = _names(ENDS_PROCESS)
# Process pool constructors that start fresh worker processes every time they are called (PVT302).
FRESH_PROCESS_POOLS = frozenset(
    name for name, context in POOL_CONSTRUCTORS.items() if context == PROCESS
) - _names(REUSES_WORKERS)

# Methods of a pool/executor whose first argument (or keyword) is a callable run by the workers.
POOL_METHODS = frozenset(
    {
        "map",
        "imap",
        "imap_unordered",
        "starmap",
        "apply",
        "apply_async",
        "map_async",
        "starmap_async",
        "submit",
        # pathos pools
        "amap",
        "uimap",
        "pipe",
        "apipe",
    }
)
# Of those, the ones that run the callable once (the others run it for every item, in several workers).
SUBMIT_METHODS = frozenset({"submit", "apply", "apply_async", "pipe", "apipe"})
CALLABLE_KEYWORDS = ("func", "fn", "function", "target")

from .resources import (  # noqa: E402,F401  (PVT106, PVT401 and third-party starter tables)
    THIRD_PARTY_PROCESS_STARTERS,
    ProcessStarter,
    CONNECTION_CONSTRUCTORS,
    CONNECTION_RESETS,
    Connection,
    ERROR_CALLBACK_KEYWORDS,
    FUTURE_METHODS,
    LISTENING_CALLS,
    OPENS_AT_ONCE,
    OPENS_ON_USE,
    PRIVATE_TARGETS,
    PROCESS_KILLERS,
    CALLABLE_KEEPERS, CLASS_FACTORIES, UNPICKLABLE_OBJECTS, WARM_UP_TASKS,
)


from .start_methods import DEFAULT_START_METHODS, START_METHODS, default_start_method  # noqa: E402,F401
from .locks import (  # noqa: E402,F401  (the names of locks, kept in their own module)
    ITEM,
    LOCK_FUNCTIONS,
    MUTATING_METHODS,
    PREFILTER_LOCK,
    lock_like,
    mutex_like,
    mutex_value,
)


# ---- one API by any of its names -------------------------------------------------------------------
_BY_NAME = {name: api for api in RECORDS for name in api.names}


def record_of(api: str) -> Optional[Api]:
    """The record of a dispatch's API: a name (``threading.Timer``) or a pool's method
    (``pathos.pools.ThreadPool.amap``); None for what the registry does not know (a Thread subclass)."""
    found = _BY_NAME.get(api)
    if found is None:
        pool, _, method = api.rpartition(".")
        found = _BY_NAME.get(pool) if method in POOL_METHODS else None
        if found is not None and POOL not in found.roles:
            found = None
    return found


def display(api: str) -> str:
    """How a message names an API: ``concurrent.futures.thread.ThreadPoolExecutor.map`` ->
    ``concurrent.futures.ThreadPoolExecutor.map``; a name the registry does not know, as it is."""
    found = record_of(api)
    if found is None:
        return api
    shown = found.display or found.name
    return shown if api in found.names else f"{shown}.{api.rpartition('.')[2]}"


def alternatives(api: str) -> tuple[str, ...]:
    """How messages name what does the same as ``api`` in the other world (processes for threads)."""
    found = record_of(api)
    return tuple(display(name) for name in found.alternative) if found is not None else ()


# PVT301's fix: a thread pool -> (the process pool, positional arguments and keywords both take alike).
POOL_SWAPS = {"concurrent.futures.ThreadPoolExecutor": (
    "concurrent.futures.ProcessPoolExecutor", 1, frozenset({"max_workers", "initializer", "initargs"}))}


def dill_pickled(api: str) -> bool:
    """Does this API pickle with dill (``multiprocess``, ``pathos``), which copies locks and queues silently?"""
    found = record_of(api)
    return found is not None and found.pickler == DILL


def pickles_by_value(api: str) -> bool:
    """Does this API pickle callables by value (dill, cloudpickle), so lambdas and nested functions travel?"""
    found = record_of(api)
    return found is not None and found.pickler in (DILL, CLOUDPICKLE)


def in_family(api: str, stdlib_name: str) -> str:
    """``stdlib_name`` (``multiprocessing.Lock()``) as the family of ``api`` spells it."""
    return _twin(stdlib_name) if dill_pickled(api) else stdlib_name


# ---- the resolver's spelling of a name -------------------------------------------------------------
_ALIAS_PREFIXES = tuple(
    (prefix, prefix + ".", means) for prefix, means in (*MULTIPROCESSING_ALIASES.items(), *MODULE_ALIASES.items())
)
_ALIAS_ROOTS = tuple({prefix.split(".", 1)[0] for prefix, _, _ in _ALIAS_PREFIXES})


def normalize(text: str) -> str:
    """A resolved name with a context or an aliased package read as its module:
    ``multiprocessing.get_context().Process`` -> ``multiprocessing.Process``, ``billiard.Pool`` ->
    ``multiprocessing.Pool``."""
    if not text.startswith(_ALIAS_ROOTS):
        return text
    for prefix, prefix_dot, means in _ALIAS_PREFIXES:
        if text == prefix or text.startswith(prefix_dot):
            return means + text[len(prefix):]
    return text


@dataclass(frozen=True)
class Spelling:
    """How one syntax tree (CPython's ``ast``, libcst) holds the parts of a dotted name."""

    name: type
    name_text: Callable[[object], str]
    attribute: type  # with ``.value``
    attr_text: Callable[[object], str]
    call: type  # with ``.func``


def dotted(node: object, spelling: Spelling) -> Optional[str]:
    """``a.b(x).c`` -> "a.b().c", the registry's spelling of names; None for all but names, attributes, calls."""
    trailers: list[str] = []
    attribute, call, name = spelling.attribute, spelling.call, spelling.name  # exact: libcst's are slow ABCs
    while True:
        if (kind := type(node)) is attribute:
            trailers.append("." + spelling.attr_text(node))
            node = node.value  # type: ignore[attr-defined]
        elif kind is call:
            trailers.append("()")
            node = node.func  # type: ignore[attr-defined]
        elif kind is name:
            return spelling.name_text(node) + "".join(reversed(trailers))
        else:
            return None


# ---- what the prefilter and the gate look for -------------------------------------------------------
# Top-level modules through which the model resolves any API that can lead to a finding.
GATE_MODULES = frozenset(
    word for api in RECORDS if LOOP_EXECUTOR not in api.roles for word in api.words
) | {alias.split(".", 1)[0] for alias in MODULE_ALIASES} | {
    name.split(".", 1)[0] for name in THIRD_PARTY_PROCESS_STARTERS  # their modules may start processes too
}
# Methods that dispatch work without any import (``loop.run_in_executor(None, f)``).
IMPORT_FREE_NAMES = frozenset(word for api in RECORDS if LOOP_EXECUTOR in api.roles for word in api.words)


def _fewest(words: Iterable[str]) -> tuple[str, ...]:
    """The words without those that contain another (``multiprocess`` finds ``multiprocessing`` too)."""
    words = set(words)
    return tuple(sorted(w for w in words if not any(other != w and other in w for other in words)))


# The textual prefilter: a source that contains none of these words, and nothing the lock pattern below
# finds, can hold no finding (every API is imported from one of these modules or is import-free, and a lock
# region needs an ``acquire()`` or a ``with`` on something named like a lock).
PREFILTER_WORDS = (*_fewest(GATE_MODULES | IMPORT_FREE_NAMES), "acquire")

# Calls that hand a coroutine (their first argument) to an event loop running on another thread: the
# coroutine's body runs on that loop's thread, not on the caller's.
HANDS_COROUTINE_TO_LOOP = frozenset({"asyncio.run_coroutine_threadsafe"})

def lock_value(resolved: str) -> bool:
    """Is a resolved value (``threading.RLock()``, ``mylib.Lock()``) a lock built by a lock type?"""
    return resolved.endswith("()") and (resolved[:-2] in LOCK_TYPES or resolved.endswith((".Lock()", ".RLock()")))
