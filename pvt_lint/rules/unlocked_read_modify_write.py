"""PVT201: a read-modify-write of shared state in code that runs in threads, with no lock held."""

from __future__ import annotations

from ..findings import Related
import libcst as cst

from ..model import RMW, SELF, THREAD, DispatchSite, ModuleModel
from ..model.project_facts import SharedClass
from ..model.threads import function_name
from .base import Rule
from .lock_fixes import lock_fix, own_lock
from .quoting import quote_statement, state_name


class UnlockedReadModifyWrite(Rule):
    """Read-modify-write of shared state in threads without a lock.

    ## What it does
    Flags `x += 1`, `x = x + n`, `d[k] = d.get(k, 0) + 1` and the like on shared state (a module
    global, a variable of the enclosing function, `self.<attr>` of an object several threads use,
    a class attribute) inside code that runs in threads: a `threading.Thread`/`Timer` target, a
    Thread subclass's `run`, a function given to a thread pool, `asyncio.to_thread` or
    `loop.run_in_executor`, and the functions of the module they call. It only fires when two
    threads can run such an update at once (several threads or pool workers, or another thread
    writing the same state) and no lock is held, either around the update or by every caller.

    ## Why is this bad?
    A read-modify-write is three steps: read the old value, compute, write the new one. Another
    thread can write between the read and the write, and its update is then overwritten: the
    count comes out short. Under the GIL a thread switch rarely lands inside `counter += 1`, so tests
    pass; it lands there as soon as a call sits between the read and the write, and on
    free-threaded Python (3.13t, 3.14t) threads run truly at once and updates are lost routinely.

    ## Example
    ```python
    import threading

    counter = 0

    def work():
        global counter
        for _ in range(10_000):
            counter += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(counter)  # may be less than 40000
    ```

    ## Use instead
    ```python
    import threading

    counter = 0
    counter_lock = threading.Lock()

    def work():
        global counter
        for _ in range(10_000):
            with counter_lock:
                counter += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(counter)  # 40000
    ```

    ## Concept
    [8. Free-threaded Python](docs/concepts.md#8-free-threaded-python)

    ## Reproduction
    `pvt-lint --repro PVT201` forces the losing interleaving with two events and shows one update
    lost; `pvt-lint --repro PVT201 --fixed` shows the same schedule under a lock.

    ## Known limitations
    With project facts (a whole-project run), functions and methods reached from threads started in
    other modules are thread code too; a method reached that way is taken to run on a shared instance,
    but only a site that runs several copies at once races alone (threads of several other modules
    together are one party), and code this module's own threads run takes no party from other
    modules (a test running the same code in its own thread is another program). A class whose
    docstring says it is thread-safe or shared between threads is shared: its unlocked updates of
    `self` state are reported. An own lock alone is no such evidence (on real code such counters
    belonged to one thread). Callables the model cannot resolve (parameters without types) are not
    followed. A thread that is the only writer is
    not flagged even when the main thread reads the value before joining it; a function the thread
    runs that updates a module global is also the main flow's when a function no thread runs calls it. State that a lock
    protects somewhere else is left to PVT203. Two threads updating different keys of one dict are
    recognised in one shape only: the key is a parameter of the thread function and every thread that
    runs it is started in a loop, with that loop's variable in the parameter's place (`args=(i,)`,
    `submit(work, i)`); keys that differ per thread in other ways are flagged. A lock taken through a
    call with arguments (`with named_mutex(path):`, `with file_lock(p):`) or an item of a container
    of locks (`with self._locks[key]:`) is a lock by its name, whatever the path or key: two paths
    or two keys are taken for one lock. An `async def` run by `asyncio.run(...)` in thread code runs in
    that thread; one handed to a loop with `asyncio.run_coroutine_threadsafe(coro(), loop)` is taken
    to run on the loop's single thread, not its callers' (two loop threads each handed coroutines
    that touch the same state are missed), and a `Thread` subclass driving a loop in `run` is followed
    only through calls made in `run`.
    `--fix --unsafe-fixes` takes a lock around the update only where the state's owner takes exactly
    one (the class's one `self.<lock>`, or the module's one global lock) and PVT203's conditions for
    that fix hold; with no lock, or several to choose from, there is no fix.
    """

    CODE = "PVT201"
    NAME = "unlocked-read-modify-write"
    MESSAGE = "`{code}` in `{function}`, which runs in threads {where}, updates {state} with no lock held"
    CONCEPT = "8-free-threaded-python"
    VALID = (
        # Each thread owns one item: the key is its own argument, the loop variable where it starts.
        """
import threading
from concurrent.futures import ThreadPoolExecutor
hits = {}
def worker(slot):
    hits[slot] += 1
def main():
    for i in range(4):
        hits[i] = 0
        threading.Thread(target=worker, args=(i,)).start()
    with ThreadPoolExecutor() as pool:
        for n in range(4, 8):
            hits[n] = 0
            pool.submit(worker, n)
""",
        # The update is under a lock.
        """
import threading
counter = 0
lock = threading.Lock()
def work():
    global counter
    with lock:
        counter += 1
threads = [threading.Thread(target=work) for _ in range(4)]
""",
        # Single atomic operations on builtins: append, item store, setdefault, set.add.
        """
import threading
results, seen, index = [], set(), {}
def work(n):
    results.append(n)
    seen.add(n)
    index[n] = n * n
    index.setdefault("first", n)
threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
""",
    )
    INVALID = (
        # Near miss of the per-thread slot: every thread gets the same key, so they share one item.
        """
import threading
hits = {0: 0}
def worker(slot):
    hits[slot] += 1  # expect: PVT201
def main():
    for i in range(4):
        threading.Thread(target=worker, args=(0,)).start()
""",
        """
import threading
counter = 0
def work():
    global counter
    counter += 1  # expect: PVT201
threads = [threading.Thread(target=work) for _ in range(4)]
""",
        # d[k] = d.get(k, 0) + 1 on a global dict, through a thread pool and a helper.
        """
from concurrent.futures import ThreadPoolExecutor
counts = {}
def record(word):
    counts[word] = counts.get(word, 0) + 1  # expect: PVT201
def work(line):
    for word in line.split():
        record(word)
with ThreadPoolExecutor(max_workers=4) as pool:
    pool.map(work, ["a b", "b c"])
""",
    )

    def check(self, model: ModuleModel) -> None:
        threads = model.threads
        for writes in threads.writes_by_state.values():
            live = [w for w in writes if not threads.is_init(w.function)]
            if threads.guarded(live):
                continue  # protected somewhere: PVT203 judges the unprotected writes
            updates = [w for w in live if w.kind == RMW and not _own_item(model, w)]
            parties = [p for w in updates for p in threads.parties(w)]
            if not updates or not threads.races(parties, updates[0].ref):
                continue
            for access in updates:
                if id(access) in threads.ctas.acts:
                    continue  # the action of a check-then-act: PVT202 reports the `if`
                sites = threads.sites_for(access, access.ref)
                if not sites:
                    continue
                site = min(sites, key=lambda s: (s.line, s.column))
                self._report(model, access, site)
        self._check_shared_classes(model)

    def _check_shared_classes(self, model: ModuleModel) -> None:
        """A class its library's docstring says is shared between threads (or thread-safe): its users
        start the threads. Unlocked updates of ``self`` state that
        no write guards with a lock (PVT203 judges those), outside constructors."""
        evidence: dict[str, SharedClass] = {}
        for shared in model.project.shared_classes:
            owner = shared.cls.partition(":")[2]
            # An own lock alone is no evidence: on joblib, mpire, celery and tqdm all 12 such findings were
            # counters one thread owns (the lock guards other state, the output, a condition to wait on).
            if shared.evidence == "docstring":
                evidence[owner] = shared
        threads = model.threads
        if not evidence:
            return
        for writes in threads.writes_by_state.values():
            ref = writes[0].ref
            if ref.kind != SELF or ref.owner not in evidence:
                continue
            live = [w for w in writes if not threads.is_init(w.function) and not threads.is_async(w.function)]
            if threads.guarded(live) or any(threads.sites_for(w, w.ref) for w in live):
                continue  # guarded somewhere (PVT203), or already judged by its threads above
            for access in live:
                if (access.kind != RMW or threads.locks(access) or id(access) in threads.ctas.acts
                        or _own_item(model, access) or _takes(access)):
                    continue
                shared = evidence[ref.owner]
                said = "its docstring says it is shared between threads"
                message = _SHARED_MESSAGE.format(
                    code=quote_statement(access),
                    function=function_name(access.function),
                    state=state_name(model, access.function, access.ref),
                    cls=ref.owner,
                    said=said,
                )
                self.report(access.line, access.column, message, end=(access.end_line, access.end_column))

    def _report(self, model: ModuleModel, access, site: DispatchSite) -> None:
        message = self.MESSAGE.format(
            code=quote_statement(access),
            function=function_name(access.function),
            where=site.where,
            state=state_name(model, access.function, access.ref),
        )
        target = function_name(site.target)
        self.report(
            access.line,
            access.column,
            message,
            end=(access.end_line, access.end_column),
            related=(Related(site.line, site.column, f"`{site.via or target}` is started in a thread here", site.path),),
            fix=_fix(model, access),
        )


def _fix(model: ModuleModel, access):
    """Hold the one lock the state's owner takes elsewhere (unsafe; see lock_fixes)."""
    own = own_lock(model, access) if access.statement is not None else None
    return lock_fix(model, access.statement, access.function, *own) if own is not None else None


_SHARED_MESSAGE = "`{code}` in `{function}` updates {state} with no lock held, and `{cls}` is shared: {said}"


def _takes(access) -> bool:
    """``old, self.pool = self.pool, None``: a swap that takes the value out. Two threads may take the same
    object, and whether that races depends on what each then does with it (urllib3's ``close()`` drains
    and closes an already drained pool again, harmlessly); no count or total is lost. Judged by thread
    code above, not on a docstring's word alone."""
    statement = access.statement
    return isinstance(statement, cst.Assign) and any(
        isinstance(t.target, (cst.Tuple, cst.List)) for t in statement.targets)


def _own_item(model: ModuleModel, access) -> bool:
    """``counts[i] += 1`` where ``i`` is a parameter of the thread function, and every thread running it
    is started in a loop with that loop's variable in ``i``'s place: each thread updates its own item."""
    target = access.target
    if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
        return False
    key = target.slice[0].slice
    if not (isinstance(key, cst.Index) and isinstance(key.value, cst.Name)):
        return False
    fn = model.function(access.function)
    if fn is None or fn.is_lambda or fn.class_qualname is not None:
        return False
    params = [p.name.value for p in (*fn.node.params.posonly_params, *fn.node.params.params)]
    if key.value.value not in params:
        return False
    position = params.index(key.value.value)
    sites = [s for s in model.dispatches if s.context == THREAD and s.target == access.function]
    return bool(sites) and all(_loop_variable_at(site, position) for site in sites)


def _loop_variable_at(site: DispatchSite, position: int) -> bool:
    """Does the site pass, as the target's ``position``-th argument, a variable of a loop around it?"""
    call = site.call
    if site.role == "target":  # Thread(target=f, args=(i,))
        given = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "args"), None)
        values = [e.value for e in given.elements] if isinstance(given, (cst.Tuple, cst.List)) else []
    elif site.role == "submit" and site.api.endswith(".submit"):  # executor.submit(f, i)
        values = [a.value for a in call.args[1:] if a.keyword is None and not a.star]
    else:
        return False
    if position >= len(values):
        return False
    value = values[position]
    return isinstance(value, cst.Name) and value.value in site.loop_names

