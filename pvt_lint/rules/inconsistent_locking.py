"""PVT203: state that some code writes under a lock is updated elsewhere without it."""

from __future__ import annotations

from ..findings import Related
from ..model import RMW, ModuleModel
from ..model.threads import function_name
from .base import Rule
from .lock_fixes import lock_fix
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
    `_lock`, `mutex`, `cond`, `sem`, ...), also when taken through a call with arguments
    (`named_mutex(path)`) or as an item of a container (`self._locks[key]`), or by a visible
    `threading.Lock()`-style value; whether the
    two places take the *same* lock is not checked. A helper counts as locked only when every call of
    it in the module holds a lock. Plain stores (`self.x = None`) outside the lock are not flagged:
    only updates that read what they overwrite. State written without a lock more often than with
    one is left alone, as FindBugs' inconsistent-synchronization check leaves fields "accessed
    unlocked most of the time": the locked write is then the exception, and the code relies on a
    phase or a single writer the rule cannot see. An update whose only locked counterpart is in the
    same function is reported when two threads can be in that function at once: the counterpart
    holds a mutex and the function is thread code or a public method (or a private helper of one) of
    the class owning it; otherwise (a condition taken to wait, by a single consumer) it is left
    alone. A real
    race in such code is missed. A function that releases a lock it did not acquire (a lock
    wrapper's `release` or `__exit__`) holds it up to that release. A private method that nothing
    in the module calls, in a class with a base from another module, is a hook of that base and is
    left alone: whether its caller holds the lock cannot be seen. `--fix --unsafe-fixes` takes the
    lock of the locked write around the update (around the whole `if` of a check-then-act), where that
    lock is spelled the same in both places (the same `self`, or a module global); it is unsafe (the
    lock now orders this code against its other holders) and is not offered when a caller already holds
    the lock or a call inside the statement takes it (a plain `Lock` would deadlock), or when the
    statement shares its line with other code or holds a string over several lines.
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
    )

    def check(self, model: ModuleModel) -> None:
        threads = model.threads
        ctas: dict = {}
        for cta in threads.ctas.check_then_acts:
            if not threads.ctas.locks_at_test(cta):
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
                # as in functools' pure-Python lru_cache) never exist together: no pairing. A locked
                # write in the same function pairs only when two threads can be in that function at
                # once (thread code, or a public method of the class owning the mutex); otherwise the
                # lock is taken there on another path (to wait on a condition by a single consumer).
                pairs = [
                    w
                    for w in guarded
                    if (w.function != access.function or threads.pairs_in_function(access, w))
                    and not _alternatives(w.function, access.function)
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
                    fix=None if access.statement is None else lock_fix(
                        model, cta.test.node if cta is not None else access.statement, access.function, lock,
                        guard.function),
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
