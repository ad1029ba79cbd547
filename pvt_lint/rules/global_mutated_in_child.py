"""PVT101: module state written by code that runs in a child process."""

from __future__ import annotations

import libcst as cst

from ..findings import Related
from ..model import GLOBAL, WRITE_KINDS, ModuleModel
from ..model.project_facts import display
from ..apis import PROCESS_SHARED_CALLS
from .base import Rule

_VERBS = {
    "store": "assigned",
    "item-store": "changed in place",
    "rmw": "updated",
    "mutate": "changed",
    "delete": "deleted",
}


class GlobalMutatedInChild(Rule):
    """Module global mutated in code that runs in a child process.

    ## What it does
    Flags writes to module-level state (`global x` rebinding, or in-place changes such as
    `results.append(...)`, `counts[k] += 1`) inside a function that runs in a child process,
    and inside the functions it calls in the same module.

    ## Why is this bad?
    A child process has its own memory. Under `fork` it changes its own copy of the module; under
    `spawn` and `forkserver` (the default on Linux since Python 3.14) it re-imports the module and
    changes that. Either way the parent's global never changes: the work is silently lost.

    ## Example
    ```python
    import multiprocessing

    results = []

    def worker(n):
        results.append(n * n)

    if __name__ == "__main__":
        p = multiprocessing.Process(target=worker, args=(3,))
        p.start()
        p.join()
        print(results)  # [] in the parent
    ```

    ## Use instead
    ```python
    import multiprocessing

    def worker(n, queue):
        queue.put(n * n)

    if __name__ == "__main__":
        queue = multiprocessing.Queue()
        p = multiprocessing.Process(target=worker, args=(3, queue))
        p.start()
        print(queue.get())
        p.join()
    ```

    ## Concept
    [4. The "Global Variable" Trap](docs/concepts.md#4-the-global-variable-trap)

    ## Reproduction
    `pvt-lint --repro PVT101` shows the parent's list staying empty under fork, spawn and forkserver;
    `pvt-lint --repro PVT101 --fixed` shows the queue-based version.

    ## Known limitations
    Only functions defined in the same module are followed, and only module-level names: state changed
    through an object passed in as an argument, or through `self` in a `Process` subclass, is not
    tracked. A global that no code in the module reads except child code (a per-process cache), one an
    `if` in the same function tests (lazy initialisation, memoisation) unless the test orders it
    against another value (`if score > best:` keeps a running best and is reported), one a pool
    `initializer` sets, one a child rebinds to one of its own parameters (it keeps what it was sent,
    so `best_params = params` beside a reported running best is not reported),
    and `multiprocessing` shared objects (`Value`, `Array`, `Manager()` proxies, queues) are not
    reported. With project facts, a function of this module sent to a child process from another module
    is child code too (the message names the dispatch's file and line); reads of the global by other
    modules are not weighed.
    """

    CODE = "PVT101"
    NAME = "global-mutated-in-child"
    MESSAGE = "global `{name}` is {verb} in child process target `{target}` ({where}); the parent never sees the change"
    CONCEPT = "4-the-global-variable-trap"
    VALID = (
        # A thread shares the parent's memory: the append is seen.
        """
import threading
data = []
def worker():
    data.append(1)
t = threading.Thread(target=worker)
print(data)
""",
        # A local that shadows the global.
        """
import multiprocessing
data = []
def worker():
    data = []
    data.append(1)
    return data
p = multiprocessing.Process(target=worker)
print(data)
""",
        # Results come back through a multiprocessing.Queue passed as an argument.
        """
import multiprocessing
def worker(q):
    q.put(1)
q = multiprocessing.Queue()
p = multiprocessing.Process(target=worker, args=(q,))
""",
    )
    INVALID = (
        """
import multiprocessing
data = []
def worker():
    data.append(1)  # expect: PVT101
p = multiprocessing.Process(target=worker)
""",
        """
from multiprocessing import Process as P
counter = 0
def work():
    global counter
    counter += 1  # expect: PVT101
P(target=work).start()
""",
        # Through a helper, from a Pool created by a spawn context; the parent reads the dict.
        """
import multiprocessing
totals = {}
def record(key, value):
    totals[key] = value  # expect: PVT101
def work(n):
    record(n, n * n)
if __name__ == "__main__":
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.map(work, range(4))
    print(totals)
""",
    )

    def check(self, model: ModuleModel) -> None:
        child = model.child_run()
        set_up = _set_up_by_initializers(model)
        reported: set = set()
        for qualname, sites in child.items():
            site = min(sites, key=lambda s: (s.line, s.column))
            target = model.function(site.target).name if site.target else qualname
            related = Related(site.line, site.column, f"`{target}` is sent to a child process here")
            self._judge(model, qualname, child, set_up, reported, target, site.where, related)
        for facts in model.project.process_functions():  # reached from a process dispatch in another module
            qualname = facts.key.partition(":")[2]
            reasons = [r for r in facts.processes if r.site.module != model.project.module]
            if qualname in child or not reasons:
                continue
            reason = reasons[0]
            via = f" via `{display(reason.chain[-2])}`" if len(reason.chain) > 1 else ""
            where = f"sent to a child at {reason.site.where}{via}"
            related = Related(reason.site.line, reason.site.column, f"`{display(reason.chain[0])}` is sent to a"
                              " child process here", reason.site.path)
            self._judge(model, qualname, child, set_up, reported, display(reason.chain[0]), where, related)

    def _judge(self, model, qualname, child, set_up, reported, target, where, related) -> None:
        fn = model.function(qualname)
        if fn is None:
            return
        for access in fn.accesses:
            if access.kind not in WRITE_KINDS or access.ref is None or access.ref.kind != GLOBAL:
                continue
            if access.kind == "store" and not access.in_place and access.root not in fn.global_decls:
                continue
            if _set_from_parameter(access, fn):
                continue  # per-process setup from what the parent sent, like an initializer
            name = access.ref.name
            if not _parent_state(model, name, set_up) or model.tests_name(qualname, name):
                continue  # per-process by design, or a lazy-init / memo check in the child
            readers = model.readers(name)
            if readers and all(model.within(r, child) or _child_code(model, r) for r in readers):
                continue  # only child code reads it: a per-process cache
            key = id(access.statement) if access.statement is not None else access.line
            if key in reported:
                continue
            reported.add(key)
            verb = f"changed by `.{access.via}()`" if access.kind == "mutate" else _VERBS[access.kind]
            self.report(
                access.line,
                access.column,
                self.MESSAGE.format(name=name, verb=verb, target=target, where=where),
                end=(access.end_line, access.end_column),
                related=(related,),
            )


def _child_code(model: ModuleModel, reader) -> bool:
    """Whether a reader runs only in children by the project's facts (a dispatch in another module)."""
    facts = model.project.function(reader) if reader else None
    return facts is not None and bool(facts.processes) and not facts.threads

def _parent_state(model: ModuleModel, name: str, set_up: set[str]) -> bool:
    """Whether ``name`` is the parent's plain module state (not shared or per-process by design)."""
    binding = model.module_names.get(name)
    if binding is None or binding.kind in ("import", "def", "class") or name in set_up:
        return False
    value = model.value_of(name)
    return not (value and value.split("()", 1)[0] in PROCESS_SHARED_CALLS)


def _set_from_parameter(access, fn) -> bool:
    """``global x; x = param`` (or ``x, y = param``): the child keeps what it was sent."""
    statement = access.statement
    if access.kind != "store" or access.in_place or not isinstance(statement, cst.Assign):
        return False
    value = statement.value
    return isinstance(value, cst.Name) and value.value in fn.params


def _set_up_by_initializers(model: ModuleModel) -> set[str]:
    """Globals that a pool initializer (re)binds: per-process setup, often of a shared object."""
    out: set[str] = set()
    for qualname, sites in model.child_run(initializers=True).items():
        fn = model.function(qualname)
        if fn is None or not any(s.role == "initializer" for s in sites):
            continue
        out.update(a.ref.name for a in fn.accesses
                   if a.kind == "store" and a.ref is not None and a.ref.kind == GLOBAL and not a.in_place)
    return out
