"""What the standard library's concurrency APIs are, by qualified name.

Names are normalised by the import resolver first: ``multiprocessing.get_context("spawn")`` and
``multiprocessing.context.SpawnContext()`` both stand for the ``multiprocessing`` module, so a context's
``ctx.Process`` resolves to ``multiprocessing.Process``.
"""

from __future__ import annotations

import re

PROCESS = "process"
THREAD = "thread"

# Classes whose instances run ``target`` (or ``run``) somewhere else.
PROCESS_CLASSES = frozenset(
    {
        "multiprocessing.Process",
        "multiprocessing.process.BaseProcess",
        "multiprocessing.context.Process",
        "multiprocessing.context.ForkProcess",
        "multiprocessing.context.SpawnProcess",
        "multiprocessing.context.ForkServerProcess",
    }
)
THREAD_CLASSES = frozenset(
    {"threading.Thread", "threading.Timer", "multiprocessing.dummy.Process"}
)

# Pools and executors: constructor -> execution context.
POOL_CONSTRUCTORS = {
    "multiprocessing.Pool": PROCESS,
    "multiprocessing.pool.Pool": PROCESS,
    "concurrent.futures.ProcessPoolExecutor": PROCESS,
    "concurrent.futures.process.ProcessPoolExecutor": PROCESS,
    "loky.ProcessPoolExecutor": PROCESS,
    "loky.get_reusable_executor": PROCESS,
    "concurrent.futures.ThreadPoolExecutor": THREAD,
    "concurrent.futures.thread.ThreadPoolExecutor": THREAD,
    "multiprocessing.pool.ThreadPool": THREAD,
    "multiprocessing.dummy.Pool": THREAD,
}

# Where a pool constructor takes ``initializer`` positionally.
INITIALIZER_POSITION = {
    "multiprocessing.Pool": 1,
    "multiprocessing.pool.Pool": 1,
    "multiprocessing.pool.ThreadPool": 1,
    "multiprocessing.dummy.Pool": 1,
    "concurrent.futures.ProcessPoolExecutor": 2,
    "concurrent.futures.process.ProcessPoolExecutor": 2,
    "concurrent.futures.ThreadPoolExecutor": 2,
    "concurrent.futures.thread.ThreadPoolExecutor": 2,
}

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

# Calls that send their first argument to a thread.
THREAD_CALLS = frozenset({"asyncio.to_thread", "_thread.start_new_thread", "_thread.start_new"})

# Module prefixes that mean "the multiprocessing module" (contexts behave like it).
MULTIPROCESSING_ALIASES = {
    "multiprocessing.get_context()": "multiprocessing",
    "multiprocessing.context.get_context()": "multiprocessing",
    "multiprocessing.context.SpawnContext()": "multiprocessing",
    "multiprocessing.context.ForkContext()": "multiprocessing",
    "multiprocessing.context.ForkServerContext()": "multiprocessing",
    "multiprocessing.context.DefaultContext()": "multiprocessing",
}

LOCK_TYPES = frozenset(
    {
        "threading.Lock",
        "threading.RLock",
        "threading.Condition",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "_thread.allocate_lock",
        "_thread.LockType",
        "_thread.RLock",
        "multiprocessing.Lock",
        "multiprocessing.RLock",
        "multiprocessing.Condition",
        "multiprocessing.Semaphore",
        "multiprocessing.BoundedSemaphore",
        "asyncio.Lock",
    }
)

# Methods that change a builtin container in place.
MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "remove",
        "clear",
        "update",
        "setdefault",
        "add",
        "discard",
        "popitem",
        "sort",
        "reverse",
        "appendleft",
        "extendleft",
        "popleft",
        "rotate",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "__setitem__",
        "__delitem__",
        "__iadd__",
    }
)

# ---- process rules (PVT1xx) -------------------------------------------------------------
# Objects that work inside one process only, and what to use across processes instead.
THREAD_PRIMITIVES = {
    "threading.Lock": "multiprocessing.Lock()",
    "threading.RLock": "multiprocessing.RLock()",
    "threading.Condition": "multiprocessing.Condition()",
    "threading.Event": "multiprocessing.Event()",
    "threading.Semaphore": "multiprocessing.Semaphore()",
    "threading.BoundedSemaphore": "multiprocessing.BoundedSemaphore()",
    "threading.Barrier": "multiprocessing.Barrier()",
    "_thread.allocate_lock": "multiprocessing.Lock()",
    "queue.Queue": "multiprocessing.Queue()",
    "queue.LifoQueue": "a Manager().Queue() or multiprocessing.Queue()",
    "queue.PriorityQueue": "a Manager().Queue() or multiprocessing.Queue()",
    "queue.SimpleQueue": "multiprocessing.SimpleQueue()",
}

# Module-level values that are shared between processes by design (or are per-process by design).
PROCESS_SHARED_CALLS = frozenset(
    {
        "multiprocessing.Value", "multiprocessing.Array", "multiprocessing.RawValue",
        "multiprocessing.RawArray", "multiprocessing.Queue", "multiprocessing.JoinableQueue",
        "multiprocessing.SimpleQueue", "multiprocessing.Pipe", "multiprocessing.Lock",
        "multiprocessing.RLock", "multiprocessing.Event", "multiprocessing.Condition",
        "multiprocessing.Semaphore", "multiprocessing.BoundedSemaphore", "multiprocessing.Barrier",
        "multiprocessing.Manager", "multiprocessing.sharedctypes.Value",
        "multiprocessing.sharedctypes.Array", "multiprocessing.sharedctypes.RawValue",
        "multiprocessing.sharedctypes.RawArray", "multiprocessing.shared_memory.SharedMemory",
        "multiprocessing.shared_memory.ShareableList", "multiprocessing.managers.SyncManager",
        "threading.local", "_thread._local", "logging.getLogger",
    }
)

# Calls that start (or configure the starting of) child processes as soon as they run.
PROCESS_STARTING_CALLS = {
    "multiprocessing.Manager": "starts a manager server process",
    "multiprocessing.set_start_method": "sets the start method",
}

# ---- multiprocess: multiprocessing with dill ---------------------------------------------
# The ``multiprocess`` package is the standard library's multiprocessing under another name, pickling with
# dill: every API above has a twin there, with the same context, and lambdas and nested functions travel.
DILL_FORK = "multiprocess"
_STDLIB = "multiprocessing"


def _twin(name: str) -> str:
    return DILL_FORK + name[len(_STDLIB):] if name == _STDLIB or name.startswith(_STDLIB + ".") else name


def _with_twins(table):
    if isinstance(table, dict):
        return {**table, **{_twin(k): (_twin(v) if isinstance(v, str) else v) for k, v in table.items()}}
    return frozenset(table) | {_twin(name) for name in table}


PROCESS_CLASSES = _with_twins(PROCESS_CLASSES)
THREAD_CLASSES = _with_twins(THREAD_CLASSES)
POOL_CONSTRUCTORS = _with_twins(POOL_CONSTRUCTORS)
INITIALIZER_POSITION = _with_twins(INITIALIZER_POSITION)
MULTIPROCESSING_ALIASES = _with_twins(MULTIPROCESSING_ALIASES)
LOCK_TYPES = _with_twins(LOCK_TYPES)
PROCESS_SHARED_CALLS = _with_twins(PROCESS_SHARED_CALLS)
PROCESS_STARTING_CALLS = _with_twins(PROCESS_STARTING_CALLS)


# pathos: pools with their own names and methods (``ProcessPool(nodes=4).amap(f, xs)``) over multiprocess.
PATHOS = "pathos"
POOL_CONSTRUCTORS.update(
    {
        "pathos.pools.ProcessPool": PROCESS,
        "pathos.multiprocessing.ProcessPool": PROCESS,
        "pathos.multiprocessing.ProcessingPool": PROCESS,
        "pathos.pools.ThreadPool": THREAD,
        "pathos.threading.ThreadPool": THREAD,
    }
)
# ``from pathos.helpers import mp`` is the multiprocess module.
PATHOS_MULTIPROCESS = "pathos.helpers.mp"


_DILL_PREFIXES = (DILL_FORK + ".", PATHOS + ".")


def dill_pickled(api: str) -> bool:
    """Does this API pickle with dill (``multiprocess``, ``pathos``), which copies locks and queues silently?"""
    return api.startswith(_DILL_PREFIXES)


def in_family(api: str, stdlib_name: str) -> str:
    """``stdlib_name`` (``multiprocessing.Lock()``) as the family of ``api`` spells it."""
    return _twin(stdlib_name) if dill_pickled(api) else stdlib_name


# APIs that pickle callables by value (cloudpickle, dill), so lambdas and nested functions do travel.
PICKLE_BY_VALUE_PREFIXES = ("loky.", *_DILL_PREFIXES)

# ---- lock regions -----------------------------------------------------------------------
_LOCK_NAME = re.compile(
    r"(?:^|_)(?:r?lock|locks|mutex|mtx|cond|condition|cv|sem|semaphore)(?:$|_)", re.IGNORECASE
)

# A call that returns a held lock as a context manager: ``with self._locked():`` (celery).
_LOCKING_CALL = re.compile(r"(?:^|_)(?:r?lock|locked|locking)$", re.IGNORECASE)


# A mutual-exclusion lock proper, by name (a semaphore or condition released without an acquire is a
# signal to other threads, not the end of a region its caller entered).
_MUTEX_NAME = re.compile(r"(?:^|_)(?:r?lock|mutex|mtx)(?:$|_)", re.IGNORECASE)


def lock_value(resolved: str) -> bool:
    """Is a resolved value (``threading.RLock()``, ``mylib.Lock()``) a lock built by a lock type?"""
    return resolved.endswith("()") and (resolved[:-2] in LOCK_TYPES or resolved.endswith((".Lock()", ".RLock()")))


def mutex_like(text: str) -> bool:
    """Is a dotted name (``self._lock``, ``_mutex``) named like a mutex rather than any lock type?"""
    return bool(_MUTEX_NAME.search(text.rsplit(".", 1)[-1]))


def mutex_value(resolved: str) -> bool:
    """Is a resolved value a mutex (``threading.Lock()``, ``_thread.allocate_lock()``)?"""
    return resolved.endswith((".Lock()", ".RLock()", "allocate_lock()"))


def lock_like(text: str) -> bool:
    """Is a dotted ``with`` item (``self._lock``, ``self._locked()``) named like a lock?"""
    last = text.rsplit(".", 1)[-1]
    if last.endswith("()"):
        return bool(_LOCKING_CALL.search(last[:-2]))
    return bool(_LOCK_NAME.search(last))
