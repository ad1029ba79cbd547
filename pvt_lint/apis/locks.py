"""The registry's names for locks: what a ``with`` item or an ``acquire`` is called when it is a lock, and the
methods that change a container in place (part of the registry layer; ``pvt_lint.apis`` re-exports them)."""

from __future__ import annotations

import re

# ---- lock regions -----------------------------------------------------------------------------------
_LOCK_NAME = re.compile(
    r"(?:^|_)(?:r?lock|locks|mutex|mtx|cond|condition|cv|sem|semaphore)(?:$|_)", re.IGNORECASE
)

# A call that returns a held lock as a context manager: ``with self._locked():`` (celery).
# ``with named_mutex(path):``, ``with file_lock(p):``, ``with mylib.mutex():`` take a lock too, whatever their arguments.
_LOCKING_CALL = re.compile(r"(?:^|_)(?:r?lock|locked|locking|mutex)$", re.IGNORECASE)

# The stems of both patterns above, after a non-letter, in a lower-cased source: the prefilter's look for
# a name that ``lock_like`` could accept (``_lock``, ``RLock``, ``self._mutex``, ``_cond``, ``LOCK``...).
PREFILTER_LOCK = re.compile(r"(?<![a-z])(?:r?lock|mutex|mtx|cond|cv|sem)")

# A mutual-exclusion lock proper, by name (a semaphore or condition released without an acquire is a
# signal to other threads, not the end of a region its caller entered).
_MUTEX_NAME = re.compile(r"(?:^|_)(?:r?lock|mutex|mtx)(?:$|_)", re.IGNORECASE)

# Module functions that take and release a lock of their module: the calls between them run under it,
# as between ``lock.acquire()`` and ``lock.release()`` (``logging._acquireLock()`` guards billiard's and
# multiprocessing's lazily made logger). Taken -> released. A bare ``acquire()`` ... ``release()`` pair
# (billiard binds ``acquire, release = logging._prepareFork, logging._afterFork`` first) is one too.
LOCK_FUNCTIONS = {
    "logging._acquireLock": "logging._releaseLock",
    "logging._prepareFork": "logging._afterFork",
    "_imp.acquire_lock": "_imp.release_lock",
    "imp.acquire_lock": "imp.release_lock",
    "acquire": "release",
}

# Methods that change a builtin container in place.
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add", "discard", "popitem",
    "sort", "reverse", "appendleft", "extendleft", "popleft", "rotate", "difference_update",
    "intersection_update", "symmetric_difference_update", "__setitem__", "__delitem__", "__iadd__",
})


# The spelling of one item of a container of locks: ``with self._locks[key]:`` is ``self._locks[...]``.
ITEM = "[...]"


def mutex_like(text: str) -> bool:
    """Is a dotted name (``self._lock``, ``_mutex``) named like a mutex rather than any lock type?"""
    return bool(_MUTEX_NAME.search(text.removesuffix(ITEM).rsplit(".", 1)[-1]))


def mutex_value(resolved: str) -> bool:
    """Is a resolved value a mutex (``threading.Lock()``, ``_thread.allocate_lock()``)?"""
    return resolved.endswith((".Lock()", ".RLock()", "allocate_lock()"))


def lock_like(text: str) -> bool:
    """Is a dotted ``with`` item (``self._lock``, ``self._locked()``, ``self._locks[...]``) named like a lock?"""
    last = text.removesuffix(ITEM).rsplit(".", 1)[-1]
    if last.endswith("()"):
        return bool(_LOCKING_CALL.search(last[:-2]))
    return bool(_LOCK_NAME.search(last))
