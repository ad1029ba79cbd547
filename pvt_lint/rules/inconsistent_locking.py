"""PVT203: state that some code writes under a lock is updated elsewhere without it."""

from __future__ import annotations

from ..findings import Related
from ..model import RMW, ModuleModel
from ..model.threads import function_name
from .base import Rule
from .quoting import quote, quote_statement, state_name


class InconsistentLocking(Rule):
    """State written under a lock in one place is updated without it in another.

    ## What it does
    Flags a read-modify-write (`self.n += 1`, `d[k] = d.get(k, 0) + 1`) or a check-then-act
    (`if self.conn is None: self.conn = ...`) of a piece of state, done with no lock held, when the
    same class or module writes that state under a lock somewhere else. Writes in `__init__` (and
    other code that runs before the object is shared) do not count either way. No `Thread(...)` needs
    to be visible: a lock is the author saying that several threads use the object.

    ## Why is this bad?
    A lock only excludes code that takes it. While one thread is inside `with self._lock:` updating
    the state, another thread running the unlocked update reads the old value and writes back a
    stale one, and one of the two updates is lost. An unlocked write that acts on an unlocked test
    (`if self.idle: self.idle.pop()`) has the same window: the locked thread changes the state
    between the test and the write, and the write rests on a stale test and overwrites that change.
    The GIL makes the window small, so tests pass; free-threaded Python (3.13t, 3.14t) runs threads
    truly at once and hits it.

    ## Example
    ```python
    import threading

    class Account:
        def __init__(self, balance):
            self.balance = balance
            self._lock = threading.Lock()

        def deposit(self, amount):
            with self._lock:
                self.balance += amount

        def withdraw(self, amount):
            self.balance -= amount

    account = Account(100)
    account.deposit(50)
    account.withdraw(30)
    ```

    ## Use instead
    ```python
    import threading

    class Account:
        def __init__(self, balance):
            self.balance = balance
            self._lock = threading.Lock()

        def deposit(self, amount):
            with self._lock:
                self.balance += amount

        def withdraw(self, amount):
            with self._lock:
                self.balance -= amount

    account = Account(100)
    account.deposit(50)
    account.withdraw(30)
    ```

    ## Concept
    [8. Free-threaded Python](docs/concepts.md#8-free-threaded-python)

    ## Reproduction
    `pvt-lint --repro PVT203` forces `withdraw()` into the middle of a locked `deposit()` and shows the
    withdrawal lost; `pvt-lint --repro PVT203 --fixed` takes the lock in both.

    ## Known limitations
    A lock-protected plain store (`self.x = 0`) is not taken as a sign that the lock guards `x`: the
    lock must guard an update, an in-place change or a check-then-act of it. Code in `async def` is
    left out (asyncio locks order coroutines, not threads). Locks are recognised by name (`lock`,
    `_lock`, `mutex`, `cond`, `sem`, ...) or by a visible `threading.Lock()`-style value; whether the
    two places take the *same* lock is not checked. A helper counts as locked only when every call of
    it in the module holds a lock. Plain stores (`self.x = None`) outside the lock are not flagged:
    only updates that read what they overwrite. State written without a lock more often than with
    one is left alone, as FindBugs' inconsistent-synchronization check leaves fields "accessed
    unlocked most of the time": the locked write is then the exception, and the code relies on a
    phase or a single writer the rule cannot see; so is an update whose only locked counterpart is in
    the same function (the lock is taken there on another path, such as a condition wait). A real
    race in such code is missed. A function that releases a lock it did not acquire (a lock
    wrapper's `release` or `__exit__`) holds it up to that release. A private method that nothing
    in the module calls, in a class with a base from another module, is a hook of that base and is
    left alone: whether its caller holds the lock cannot be seen.
    """

    CODE = "PVT203"
    NAME = "inconsistent-locking"
    MESSAGE = "`{code}` in `{function}` {what} with no lock held, but line {line} writes {written} under `{lock}`"
    CONCEPT = "8-free-threaded-python"
    VALID = (
        # Both paths take the lock.
        """
import threading
class Counter:
    def __init__(self):
        self.n = 0
        self._lock = threading.Lock()
    def add(self):
        with self._lock:
            self.n += 1
    def sub(self):
        with self._lock:
            self.n -= 1
""",
        # The unlocked update is in __init__, before the object is shared.
        """
import threading
class Counter:
    def __init__(self, start):
        self._lock = threading.Lock()
        self.n = 0
        self.n += start
    def add(self):
        with self._lock:
            self.n += 1
""",
        # The helper is only called with the lock held.
        """
import threading
class Cache:
    def __init__(self):
        self._lock = threading.RLock()
        self._hits = 0
    def _bump(self):
        self._hits += 1
    def get(self, k):
        with self._lock:
            self._bump()
""",
        # A plain store outside the lock reads nothing it overwrites.
        """
import threading
class Conn:
    def __init__(self):
        self._lock = threading.Lock()
        self.sock = None
    def connect(self):
        with self._lock:
            self.sock = object()
    def close(self):
        self.sock = None
""",
        # A plain store that sits inside a lock taken for something else is no sign the lock guards
        # `overflow` (paramiko's Packetizer: the reader thread alone updates it).
        """
import threading
class Packetizer:
    def __init__(self):
        self._write_lock = threading.Lock()
        self.sent = []
        self.overflow = 0
    def send(self, data):
        with self._write_lock:
            self.sent.append(data)
            self.overflow = 0
    def read(self, n):
        self.overflow += n
""",
        # asyncio locks order coroutines on one thread; an update without await cannot interleave.
        """
import asyncio
class Limiter:
    def __init__(self):
        self._lock = asyncio.Lock()
        self.used = 0
    async def take(self):
        async with self._lock:
            self.used += 1
            await asyncio.sleep(0)
    async def give(self):
        self.used -= 1
""",
        # One closure of three is built per call (functools' pure-Python lru_cache): the locked
        # `misses += 1` and the unlocked ones never share a variable.
        """
import threading
def cache(user_function, maxsize):
    misses = 0
    lock = threading.RLock()
    if maxsize == 0:
        def wrapper(*args):
            nonlocal misses
            misses += 1
            return user_function(*args)
    else:
        def wrapper(*args):
            nonlocal misses
            with lock:
                misses += 1
            return user_function(*args)
    return wrapper
""",
        # Different state: the lock guards `items`, the unlocked update is `misses`.
        """
import threading
class Store:
    def __init__(self):
        self._lock = threading.Lock()
        self.items = {}
        self.misses = 0
    def put(self, k, v):
        with self._lock:
            self.items[k] = v
    def miss(self):
        self.misses += 1
""",
        # acquire()/release() in try/finally counts as locked, as does an early return inside the lock.
        """
import threading
class Pool:
    def __init__(self):
        self._lock = threading.Lock()
        self.free = 4
    def take(self):
        self._lock.acquire()
        try:
            if self.free == 0:
                return False
            self.free -= 1
            return True
        finally:
            self._lock.release()
    def give(self):
        with self._lock:
            self.free += 1
""",
        # Written without the lock more often than with it: the sequential path and the reset run
        # when no worker does (joblib's Parallel); the one locked update is the exception.
        """
import threading
class Runner:
    def __init__(self):
        self._lock = threading.Lock()
        self.dispatched = 0
    def dispatch(self, batch):
        with self._lock:
            self.dispatched += len(batch)
    def reset(self):
        self.dispatched = 0
    def run_sequential(self, tasks):
        for task in tasks:
            self.dispatched += 1
            task()
""",
        # The only locked update is in the same function, on the path that waits on the
        # condition: a single consumer, while the producer only appends (mpire's result iterator).
        """
import collections
import threading
class Results:
    def __init__(self):
        self._cond = threading.Condition()
        self._items = collections.deque()
        self.returned = 0
    def put(self, item):
        self._items.append(item)
        with self._cond:
            self._cond.notify()
    def next(self):
        if self._items:
            self.returned += 1
            return self._items.popleft()
        with self._cond:
            while not self._items:
                self._cond.wait()
            self.returned += 1
            return self._items.popleft()
""",
        # A lock wrapper (tqdm's _InterpreterLock): release() runs with the lock its caller acquired
        # through acquire(), up to the point where it lets go.
        """
import threading
class ReentrantGate:
    def __init__(self):
        self._lock = threading.RLock()
        self._depth = 0
    def acquire(self):
        self._lock.acquire()
        self._depth += 1
    def release(self):
        self._depth -= 1
        self._lock.release()
""",
        # The pure-Python RLock: release() holds `_block` until it lets go, and acquire()'s reentrant
        # path runs only in the thread that owns it. A lock inferred from a release is no evidence
        # that the count is kept under it.
        """
import threading
class RLock:
    def __init__(self):
        self._block = threading.Lock()
        self._owner = None
        self._count = 0
    def acquire(self):
        me = threading.get_ident()
        if self._owner == me:
            self._count += 1
            return True
        self._block.acquire()
        self._owner = me
        self._count = 1
        return True
    def release(self):
        self._count = count = self._count - 1
        if not count:
            self._owner = None
            self._block.release()
""",
        # A private hook that nothing here calls, overriding a base from another module, which
        # calls it with the lock held (psycopg_pool's NullConnectionPool._get_ready_connection).
        """
import threading
from psycopg_pool.pool import ConnectionPool
class NullPool(ConnectionPool):
    def __init__(self):
        super().__init__()
        self._lock = threading.Lock()
        self._nconns = 0
    def _get_ready_connection(self):
        if self._nconns < self.max_size:
            self._nconns += 1
            return object()
        return None
    def _maybe_close_connection(self, conn):
        with self._lock:
            self._nconns -= 1
            conn.close()
""",
        # Double-checked locking: the action is under the lock.
        """
import threading
_lock = threading.Lock()
_engine = None
def engine():
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = object()
    return _engine
""",
    )
    INVALID = (
        """
import threading
class Account:
    def __init__(self, balance):
        self.balance = balance
        self._lock = threading.Lock()
    def deposit(self, amount):
        with self._lock:
            self.balance += amount
    def withdraw(self, amount):
        self.balance -= amount  # expect: PVT203
""",
        # A module-level registry guarded by a module lock in one function only.
        """
import threading
_lock = threading.Lock()
_counts = {}
def hit(name):
    with _lock:
        _counts[name] = _counts.get(name, 0) + 1
def reset_one(name):
    _counts[name] = _counts.get(name, 0) - 1  # expect: PVT203
""",
        # Check-then-act outside the lock that guards the same attribute.
        """
import threading
class Client:
    def __init__(self):
        self._lock = threading.Lock()
        self._conn = None
    def connect(self):
        with self._lock:
            if self._conn is None:
                self._conn = object()
    def conn(self):
        if self._conn is None:
            self._conn = object()  # expect: PVT203
        return self._conn
""",
        # acquire()/release() in one method, nothing in the other.
        """
import threading
class Meter:
    def __init__(self):
        self.mutex = threading.Lock()
        self.total = 0
    def add(self, n):
        self.mutex.acquire()
        try:
            self.total += n
        finally:
            self.mutex.release()
    def add_fast(self, n):
        self.total += n  # expect: PVT203
""",
        # A condition variable counts as a lock.
        """
import threading
class Queue:
    def __init__(self):
        self.cond = threading.Condition()
        self.size = 0
    def put(self):
        with self.cond:
            self.size += 1
            self.cond.notify()
    def drop(self):
        self.size = self.size - 1  # expect: PVT203
""",
        # A semaphore subclass grows its limit under the condition and shrinks it without
        # (billiard's LaxBoundedSemaphore); an autoscaler thread and the pool call both.
        """
import threading
class Slots(threading.Semaphore):
    def __init__(self, value):
        super().__init__(value)
        self.limit = value
    def grow(self):
        with self._cond:
            self.limit += 1
            self._cond.notify()
    def shrink(self):
        self.limit -= 1  # expect: PVT203
        self.acquire()
""",
        # Class attribute updated under a lock in one classmethod only.
        """
import threading
class Ids:
    _lock = threading.Lock()
    last = 0
    @classmethod
    def next(cls):
        with cls._lock:
            cls.last += 1
            return cls.last
    @classmethod
    def skip(cls):
        cls.last += 1  # expect: PVT203
""",
    )

    def check(self, model: ModuleModel) -> None:
        threads = model.threads
        ctas: dict = {}
        for cta in threads.check_then_acts:
            if not threads.locks_at_test(cta):
                for act in cta.acts:
                    ctas[id(act)] = cta
        for writes in threads.writes_by_state.values():
            live = [w for w in writes if not threads.is_init(w.function) and not threads.is_async(w.function)]
            guarded = threads.guarded(live)
            if not guarded:
                continue
            # State written without a lock more often than with one is not kept under that lock:
            # the locked writes are the exception (a one-off set-up, a path that holds the lock for
            # something else) and the author relies on a phase or a single writer the rule cannot
            # see (FindBugs' inconsistent-synchronization check drops such fields the same way).
            unlocked = [w for w in live if not threads.locks(w)]
            if len(unlocked) > len(live) - len(unlocked):
                continue
            for access in unlocked:
                # Alternative definitions of one function (`def wrapper` in each branch of an `if`,
                # as in functools' pure-Python lru_cache) never exist together: no pairing. Nor does
                # a locked write in the same function: the lock is taken there on another path (to
                # wait on a condition), and nothing shows two threads in that function at once.
                pairs = [
                    w
                    for w in guarded
                    if w.function != access.function and not _alternatives(w.function, access.function)
                ]
                if not pairs or _hook_of_foreign_base(model, access.function):
                    continue
                guard = min(pairs, key=lambda w: (w.line, w.column))
                lock = sorted(threads.locks(guard))[0]
                cta = ctas.get(id(access))
                if access.kind != RMW and cta is None:
                    continue
                state = state_name(model, access.function, access.ref)
                if cta is None:
                    what, written = f"updates {state}", "it"
                else:
                    what, written = f"acts on `{quote(cta.test.node)}`", state
                self.report(
                    access.line,
                    access.column,
                    self.MESSAGE.format(
                        code=quote_statement(access),
                        function=function_name(access.function),
                        what=what,
                        written=written,
                        lock=lock,
                        line=guard.line,
                    ),
                    end=(access.end_line, access.end_column),
                    related=(Related(guard.line, guard.column, f"{state} is written under `{lock}` here"),),
                )


def _alternatives(one, other) -> bool:
    """Two different definitions of the same qualname (the model names redefinitions `name@line`)."""
    return one != other and (one or "").split("@", 1)[0] == (other or "").split("@", 1)[0]


# Bases that call none of a subclass's methods.
_INERT_BASES = frozenset({"object", "typing.Generic", "typing.Protocol", "abc.ABC"})


def _hook_of_foreign_base(model: ModuleModel, qualname) -> bool:
    """A private method that nothing in the module calls or dispatches, in a class with a base from
    another module: a hook that base calls, under a lock or not, where the rule cannot see (an
    override of psycopg_pool's `_get_ready_connection`, called with the pool's lock held). Only
    public methods are entry points that callers reach without the object's own lock (as in
    RacerD); a private one is judged by its callers, and here there are none to judge."""
    fn = model.function(qualname)
    if fn is None or not fn.is_method or fn.class_qualname is None:
        return False
    name = fn.name
    if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
        return False
    if model.callers_of(qualname) or any(site.target == qualname for site in model.dispatches):
        return False
    bases = model.class_bases(fn.class_qualname)
    return any(base not in model.classes and base.split("[", 1)[0] not in _INERT_BASES for base in bases)
