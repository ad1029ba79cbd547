"""PVT202: an ``if`` on shared state, then an action that relies on it, in threads, with no lock."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..findings import Related
from .. import apis
from ..model import CLASS, DELETE, GLOBAL, MUTATE, RMW, SELF, STORE, ModuleModel
from ..model.syntax import dotted
from ..model.threads import function_name, state_key
from ..walk import own_nodes
from .atomic_fixes import atomic_fix
from .base import Rule
from .quoting import quote, state_name

# Other writes that can make a passed test false before the action runs (adding items cannot).
_INVALIDATING = frozenset({STORE, RMW, DELETE})


class UnlockedCheckThenAct(Rule):
    """Check-then-act on shared state in threads without a lock.

    ## What it does
    Flags an `if` that tests shared state and whose body then acts on that same state, in code that
    runs in threads, with no lock held across both: `if k not in cache: cache[k] = ...`,
    `if _instance is None: _instance = ...` (a lazy singleton), `if self.balance >= amount:
    self.balance -= amount`, `if k in d: del d[k]`, `if items: items.pop()`. It fires only when
    two threads can run such code at once (several threads or pool workers, or another thread that
    changes the same state), or when a lazy creation takes a lock the test does not and nothing tests
    again under it (`if _client is None: with _lock: _client = make()`). `--fix` turns `if k in d: del d[k]` into `d.pop(k, None)`, `if x in s:
    s.remove(x)` into `s.discard(x)` and `if k not in d: d[k] = v` into `d.setdefault(k, v)`, each one
    atomic call: safe when `d` is a dict (`s` a set) made in this module and `v` a name or a constant,
    unsafe otherwise (`--unsafe-fixes`); an `if` with an `else`, more statements or a comment inside gets
    no fix.

    ## Why is this bad?
    Between the test and the action another thread can run the same test, or change the state: two
    threads both see `None` and create two singletons, both see enough balance and overdraw it,
    both see the key and the second `del` raises `KeyError`. The GIL makes the window small, so
    tests pass; free-threaded Python (3.13t, 3.14t) runs threads truly at once and hits it.

    ## Example
    ```python
    import threading

    _instance = None

    class Connection:
        pass

    def get_instance():
        global _instance
        if _instance is None:
            _instance = Connection()
        return _instance

    threads = [threading.Thread(target=get_instance) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ```

    ## Use instead
    ```python
    import threading

    _instance = None
    _instance_lock = threading.Lock()

    class Connection:
        pass

    def get_instance():
        global _instance
        with _instance_lock:
            if _instance is None:
                _instance = Connection()
        return _instance

    threads = [threading.Thread(target=get_instance) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ```

    ## Concept
    [8. Free-threaded Python](docs/concepts.md#8-free-threaded-python)

    ## Reproduction
    `pvt-lint --repro PVT202` forces two threads through a lazy initialisation at once and shows two
    instances created; `pvt-lint --repro PVT202 --fixed` holds one lock across check and creation.

    ## Known limitations
    Only actions in the body of the `if` are considered (not `if k in d: return d[k]` followed by a
    store after it). With project facts, functions reached from threads of other modules are followed,
    as PVT201 describes. A function the thread runs that tests a module global is also the main flow's
    when a function no thread runs calls it (a lazily made client shared by a background thread and the
    module's public functions); a function that starts the thread, or runs only at import, is not taken
    to race it. An `if` whose action is
    under a lock but whose test is not is accepted when the state is tested again under that lock
    (double-checked locking). Without the second test only a lazy creation is reported, threads seen or
    not (the lock says threads share the state): `if x is None:` or `if not x:` whose every act stores `x`
    inside `with <lock>:` (a module global or `self` attribute), with no read of `x` under the lock. A
    swap (`with lock: todo = self.new; self.new = set()`), a lock taken with `acquire()` (a second test
    may follow it as an early return) and anything else with its action locked are accepted. State that a lock
    protects somewhere else is left to PVT203. A lazily created lock in a module global or class
    attribute (`if _lock is None: _lock = threading.Lock()`) is reported with no thread start in
    sight, since a lock is made to be shared; a lazily made loop or thread is reported only when
    threads are seen to run the function, and an instance's own lazy lock (`self._lock`) not at all,
    nor a lock made lazily by a function registered with a multiprocessing manager
    (`MyManager.register("get_lock", get_lock)`), whose server makes it for the clients' proxies.
    Code in `async def` is left out (one loop runs the test and the store). A helper called in a `with` item (`with _get_lock():`) counts as called under that lock, so its
    own check-then-act is missed.
    """

    CODE = "PVT202"
    NAME = "unlocked-check-then-act"
    MESSAGE = "`{test}` in `{function}`, which runs in threads {where}, then changes {state} at line {act} with no lock held"
    MESSAGE_UNCHECKED = "`{test}` in `{function}` is not tested again under `{lock}`, which its change of {state} at line {act} holds"
    MESSAGE_LOCK = "`{test}` in `{function}` creates the lock {state} at line {act} with no lock held, so two threads can each make one"
    CONCEPT = "8-free-threaded-python"
    VALID = (
        # The lock is held across check and action.
        """
import threading
_instance = None
_lock = threading.Lock()
def get_instance():
    global _instance
    with _lock:
        if _instance is None:
            _instance = object()
    return _instance
threads = [threading.Thread(target=get_instance) for _ in range(4)]
""",
        # dict.setdefault and d.pop(k, None) are single atomic operations.
        """
from concurrent.futures import ThreadPoolExecutor
cache = {}
def work(k):
    cache.setdefault(k, []).append(k)
    cache.pop(k, None)
with ThreadPoolExecutor() as pool:
    pool.map(work, range(10))
""",
        # Thread-local state: every thread has its own.
        """
import threading
local = threading.local()
def work():
    if getattr(local, "conn", None) is None:
        local.conn = object()
threads = [threading.Thread(target=work) for _ in range(4)]
""",
    )
    INVALID = (
        """
import threading
_instance = None
def get_instance():
    global _instance
    if _instance is None:  # expect: PVT202
        _instance = object()
    return _instance
threads = [threading.Thread(target=get_instance) for _ in range(4)]
""",
        # A cache filled from a thread pool.
        """
from concurrent.futures import ThreadPoolExecutor
cache = {}
def lookup(k):
    if k not in cache:  # expect: PVT202
        cache[k] = k * k
    return cache[k]
with ThreadPoolExecutor() as pool:
    pool.map(lookup, range(10))
""",
        # Overdraft: a bound method run by several threads.
        """
import threading
class Account:
    def __init__(self):
        self.balance = 100
    def withdraw(self):
        if self.balance >= 30:  # expect: PVT202
            self.balance -= 30
    def run(self):
        for _ in range(4):
            threading.Thread(target=self.withdraw).start()
""",
    )

    def _report_unchecked(self, model: ModuleModel, cta, lock: str) -> None:
        """The act holds a lock the test does not, and nothing tests again under it: every thread that
        passed the test before the first one took the lock acts too (broken double-checked locking)."""
        test = cta.test
        self.report(test.line, test.column, self.MESSAGE_UNCHECKED.format(
            test=quote(test.node), function=function_name(cta.function), lock=lock,
            state=state_name(model, cta.function, cta.ref), act=cta.acts[0].line))

    def check(self, model: ModuleModel) -> None:
        threads = model.threads
        for cta in threads.ctas.check_then_acts:
            ref = cta.ref
            if threads.is_init(cta.function):
                continue
            if threads.ctas.locks_at_test(cta):
                continue
            locked = [a for a in cta.acts if threads.locks(a)]
            if locked:
                lock = _lazy_creation_under_lock(model, cta) if len(locked) == len(cta.acts) else None
                if lock and not threads.is_async(cta.function) and not _tested_again(threads, cta):
                    self._report_unchecked(model, cta, lock)
                continue  # double-checked locking: tested again under the lock it acts under
            writes = [w for w in threads.writes_by_state.get(state_key(ref), ()) if not threads.is_init(w.function)]
            if threads.guarded(writes):
                continue  # protected somewhere: PVT203 judges it
            sites = threads.sites_for(cta.function, ref)
            if not sites:
                created = _lazy_lock(model, cta)
                if created is not None:  # a lock is made to be shared by threads: no start needs to be seen
                    test = cta.test
                    self.report(test.line, test.column, self.MESSAGE_LOCK.format(
                        test=quote(test.node), function=function_name(cta.function), state=state_name(model, cta.function, ref),
                        act=created.line))
                continue
            parties = list(sites)
            if threads.main_party(cta.function, ref):
                parties.append("main")
            acts = {id(a) for a in cta.acts}
            for write in writes:
                if id(write) in acts or write.function == cta.function:
                    continue
                if write.kind in _INVALIDATING or (write.kind == MUTATE and write.via in ("pop", "remove", "clear", "popitem", "popleft")):
                    parties.extend(threads.parties(write))
            if not threads.races(parties, ref):
                continue
            site = min(sites, key=lambda s: (s.line, s.column))
            test = cta.test
            self.report(
                test.line,
                test.column,
                self.MESSAGE.format(
                    test=quote(test.node),
                    function=function_name(cta.function),
                    where=site.where,
                    state=state_name(model, cta.function, ref),
                    act=cta.acts[0].line,
                ),
                related=(Related(site.line, site.column, f"`{site.via or function_name(site.target)}` is started in a thread here", site.path),),
                fix=atomic_fix(model, test.node, model.scope_of(cta.function),
                               (test.line, test.column, test.end_line, test.end_column)),
            )


def _lazy_creation_under_lock(model: ModuleModel, cta) -> Optional[str]:
    """The lock of a lazy creation whose test is outside it: ``if x is None:`` (or ``if not x:``) whose
    every act stores ``x`` inside ``with <lock>:``, the lock a module global or ``self`` attribute. Not a
    swap that reads the state under the lock (``with lock: todo = self.new; self.new = set()``), nor a
    lock taken with ``acquire()`` (a cross-process lock being made, a manager's lock for other state)."""
    test = cta.test.node.test
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Is):
        checked, none = test.left, test.comparisons[0].comparator
        if not (isinstance(none, cst.Name) and none.value == "None"):
            return None
    elif isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        checked = test.expression
    else:
        return None
    text = dotted(checked)
    if text is None or any(a.kind != STORE or a.text != text for a in cta.acts):
        return None
    found = None
    for node in own_nodes(cta.test.node.body):
        if not isinstance(node, cst.With) or node.asynchronous is not None:
            continue
        span = model.position(node)
        held = [dotted(item.item) for item in node.items]
        for lock in filter(None, held):
            if (lock.startswith("self.") or model.scopes.name_kind(lock, ()) == "global") and all(
                    span.start.line < a.line <= span.end.line for a in cta.acts):
                if _reads_under(model, cta, text, node):
                    return None
                found = lock
    return found


def _reads_under(model: ModuleModel, cta, text: str, block: cst.With) -> bool:
    """Does code under the lock read the state itself (a swap, ``todo = self.new; self.new = set()``,
    not a creation)? Its stores' own targets do not count."""
    stores = {(a.line, a.column) for a in cta.acts}
    for node in own_nodes(block.body):
        if isinstance(node, (cst.Name, cst.Attribute)) and dotted(node) == text:
            start = model.position(node).start
            if (start.line, start.column) not in stores:
                return True
    return False


def _tested_again(threads, cta) -> bool:
    """Is every locked act of ``cta`` also the act of a test of the same state made under a lock (the
    second check of double-checked locking)?"""
    key, acts = state_key(cta.ref), {id(a) for a in cta.acts}
    return any(other is not cta and other.function == cta.function and state_key(other.ref) == key
               and threads.ctas.locks_at_test(other) and acts <= {id(a) for a in other.acts}
               for other in threads.ctas.check_then_acts)


def _lazy_lock(model: ModuleModel, cta):
    """The act of an unlocked check-then-act that stores a new lock in a module global or class
    attribute (``if _lock is None: _lock = threading.Lock()``), or None."""
    if cta.ref.kind not in (GLOBAL, CLASS) and not (cta.ref.kind == SELF and _classmethod(model, cta.function)):
        return None  # an instance's own lock is as shared as the instance, which is not seen here
    if model.threads.is_async(cta.function):
        return None  # one event loop runs the test and the store with no await between them
    if cta.function in model.manager_callables():
        # A manager's typeid callable: its server makes the object for clients' proxies, and the code that
        # starts the server asks for it before any client exists (mpire's dashboard lock).
        return None
    scope = model.scope_of(cta.function)
    for act in cta.acts:
        statement = act.statement
        if act.kind == STORE and isinstance(statement, (cst.Assign, cst.AnnAssign)) and statement.value is not None:
            value = model.value_at(statement.value, scope)
            if value is not None and apis.lock_value(value):
                return act
    return None


def _classmethod(model: ModuleModel, qualname) -> bool:
    """``cls._lock`` in a ``@classmethod`` is the class's attribute, shared by every instance."""
    fn = model.function(qualname)
    node = fn.node if fn is not None else None
    return isinstance(node, cst.FunctionDef) and any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == "classmethod" for d in node.decorators
    )
