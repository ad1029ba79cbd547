"""PVT101: module state written by code that runs in a child process."""

from __future__ import annotations

from ..findings import Related
from ..model import GLOBAL, PROCESS, WRITE_KINDS, ModuleModel
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
    Only functions defined in the same module are followed; state changed through an object passed in
    as an argument is not tracked.
    """

    CODE = "PVT101"
    NAME = "global-mutated-in-child"
    MESSAGE = "global `{name}` is {verb} in child process target `{target}` (started at line {line}); the parent never sees the change"
    CONCEPT = "4-the-global-variable-trap"
    VALID = (
        # A thread shares the parent's memory: the append is seen.
        """
import threading
data = []
def worker():
    data.append(1)
t = threading.Thread(target=worker)
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
    )

    def check(self, model: ModuleModel) -> None:
        for qualname, sites in model.run_in(PROCESS).items():
            fn = model.function(qualname)
            if fn is None:
                continue
            site = min(sites, key=lambda s: (s.line, s.column))
            for access in fn.accesses:
                if access.kind not in WRITE_KINDS or access.ref is None or access.ref.kind != GLOBAL:
                    continue
                if access.kind == "store" and not access.in_place and access.root not in fn.global_decls:
                    continue
                verb = f"{access.via}-ed" if access.kind == "mutate" else _VERBS[access.kind]
                if access.kind == "mutate":
                    verb = f"changed by `.{access.via}()`"
                target = model.function(site.target).name if site.target else qualname
                self.report(
                    access.line,
                    access.column,
                    self.MESSAGE.format(name=access.ref.name, verb=verb, target=target, line=site.line),
                    end=(access.end_line, access.end_column),
                    related=(Related(site.line, site.column, f"`{target}` is sent to a child process here"),),
                )
