"""PVT302: a process pool created, used and closed inside a loop body, so every iteration starts new workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import libcst as cst

from ..apis import FRESH_PROCESS_POOLS
from ..findings import WARNING
from ..model import ModuleModel
from .base import Rule
from .quoting import quote

Loop = Union[cst.For, cst.While]
# Calls on a pool that end it: made in the same iteration as its creation, the pool lives one iteration.
_CLOSERS = frozenset({"close", "shutdown", "terminate", "join", "__exit__"})


@dataclass
class _LoopFrame:
    node: Loop
    closed: set[str] = field(default_factory=set)  # names closed in this loop's body


@dataclass
class _Candidate:
    call: cst.Call
    loop: _LoopFrame
    how: str  # "with", "inline" or "name"
    name: Optional[str] = None  # the name the pool is bound to, for "name"
    statement: Optional[cst.CSTNode] = None  # the compound statement holding it, for "with"


class ProcessPoolPerIteration(Rule):
    """Process pool created, used and closed inside a loop, so every iteration starts new processes.

    ## What it does
    Flags a process pool (`multiprocessing.Pool`, `concurrent.futures.ProcessPoolExecutor`, their
    `multiprocess`, `billiard` and `loky` twins) that is created in the body of a `for` or `while` loop
    and ends within the same iteration: a `with` block in the loop body, a pool bound to a name that the
    same body closes (`close`, `shutdown`, `terminate`, `join`), or a pool used at once
    (`Pool(4).map(...)`).

    ## Why is this bad?
    A process pool is a set of new interpreters: each worker is a process that has to start, import
    your modules (under spawn and forkserver) or copy the parent (under fork), and be shut down again.
    That costs tens to hundreds of milliseconds per pool, and a pool created in a loop pays it in
    every iteration, often more than the work it was built to speed up. Creating the pool once, before
    the loop, pays it once. This is about speed, not correctness, so the finding is a warning.

    ## Example
    ```python
    from concurrent.futures import ProcessPoolExecutor

    def square(x):
        return x * x

    if __name__ == "__main__":
        totals = []
        for batch in [range(10)] * 20:
            with ProcessPoolExecutor(max_workers=2) as pool:
                totals.append(sum(pool.map(square, batch)))
        print(totals[:3])
    ```

    ## Use instead
    ```python
    from concurrent.futures import ProcessPoolExecutor

    def square(x):
        return x * x

    if __name__ == "__main__":
        totals = []
        with ProcessPoolExecutor(max_workers=2) as pool:
            for batch in [range(10)] * 20:
                totals.append(sum(pool.map(square, batch)))
        print(totals[:3])
    ```

    ## Concept
    [Start-up cost: build the house once](docs/concepts.md#start-up-cost-build-the-house-once)

    ## Reproduction
    `pvt-lint --repro PVT302` times 20 batches with a new pool per batch against one pool for all of them;
    `pvt-lint --repro PVT302 --fixed` shows the single pool finishing first.

    ## Known limitations
    Only a pool created directly in the loop body is seen, not one created by a function the loop
    calls. A pool whose arguments use the loop's own variables (a different worker count, start method
    or initializer argument per iteration, as in a benchmark or a test over start methods) is taken as
    intended and not flagged; so is a loop that visibly runs once (`for _ in range(1)`, a one-item
    literal) and a loop body that ends in an unconditional `return`, `break` or `raise` (a retry loop).
    Long-lived `Process` objects started in a loop and joined after it are the normal pattern and are
    never flagged; thread pools cost little to start and are not flagged either.
    `loky.get_reusable_executor` and pathos's cached pools hand back the same workers when called again
    and are not flagged.
    """

    CODE = "PVT302"
    NAME = "process-pool-per-iteration"
    MESSAGE = "`{pool}` starts new worker processes in every iteration of the loop at line {loop}; create it once, before the loop"
    SEVERITY = WARNING
    CONCEPT = "start-up-cost-build-the-house-once"
    VALID = (
        # Near miss: N long-lived workers started in a loop and joined after it.
        """
import multiprocessing
def work(q):
    while q.get() is not None:
        pass
if __name__ == "__main__":
    q = multiprocessing.Queue()
    procs = []
    for _ in range(4):
        p = multiprocessing.Process(target=work, args=(q,))
        p.start()
        procs.append(p)
    for p in procs:
        q.put(None)
    for p in procs:
        p.join()
""",
        # Near miss: the pool is created once, before the loop.
        """
from concurrent.futures import ProcessPoolExecutor
def square(x):
    return x * x
def main(batches):
    with ProcessPoolExecutor() as pool:
        for batch in batches:
            print(sum(pool.map(square, batch)))
""",
        # Near miss: a thread pool per iteration costs little.
        """
from concurrent.futures import ThreadPoolExecutor
def fetch(url):
    return url
def main(groups):
    for urls in groups:
        with ThreadPoolExecutor(8) as pool:
            print(list(pool.map(fetch, urls)))
""",
        # Near miss: one pool per worker count, on purpose (a benchmark), and a loop that runs once.
        """
from multiprocessing import Pool
def square(x):
    return x * x
def bench():
    for workers in (1, 2, 4):
        with Pool(workers) as pool:
            pool.map(square, range(100))
    for _ in range(1):
        with Pool(2) as pool:
            pool.map(square, range(100))
""",
    )
    INVALID = (
        """
from concurrent.futures import ProcessPoolExecutor
def square(x):
    return x * x
def main(batches):
    for batch in batches:
        with ProcessPoolExecutor(max_workers=4) as pool:  # expect: PVT302
            print(sum(pool.map(square, batch)))
""",
        # A multiprocessing pool bound to a name, closed and joined in the same iteration.
        """
import multiprocessing
def square(x):
    return x * x
def run(files):
    while files:
        chunk = files.pop()
        pool = multiprocessing.Pool(2)  # expect: PVT302
        pool.map(square, chunk)
        pool.close()
        pool.join()
""",
        # A pool used at once, inside a loop at module level under the main guard.
        """
from multiprocessing import Pool
def square(x):
    return x * x
if __name__ == "__main__":
    for n in (10, 20, 30):
        print(Pool(2).map(square, range(n)))  # expect: PVT302
""",
    )

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._frames: list[list[_LoopFrame]] = [[]]  # the loops around us, per function
        self._candidates: list[_Candidate] = []

    # ---- loops, per function: only a loop body runs again, not the iterable or an else ----------------
    def _push_function(self, node) -> None:
        self._frames.append([])

    def _pop_function(self, node) -> None:
        self._frames.pop()

    visit_FunctionDef = _push_function
    leave_FunctionDef = _pop_function
    visit_Lambda = _push_function
    leave_Lambda = _pop_function
    visit_ClassDef = _push_function
    leave_ClassDef = _pop_function

    def _push_loop(self, node: Loop) -> None:
        self._frames[-1].append(_LoopFrame(node))

    def _pop_loop(self, node: Loop) -> None:
        self._frames[-1].pop()

    visit_For_body = _push_loop
    leave_For_body = _pop_loop
    visit_While_body = _push_loop
    leave_While_body = _pop_loop

    # ---- pools created in a loop body ---------------------------------------------------------------
    def visit_With(self, node: cst.With) -> None:
        loops = self._frames[-1]
        if loops:
            for item in node.items:
                if isinstance(item.item, cst.Call):
                    self._candidates.append(_Candidate(item.item, loops[-1], "with", statement=node))
                elif isinstance(item.item, cst.Name):
                    for loop in loops:
                        loop.closed.add(item.item.value)  # ``with pool:`` closes the pool bound earlier

    def visit_Assign(self, node: cst.Assign) -> None:
        loops = self._frames[-1]
        if loops and isinstance(node.value, cst.Call) and len(node.targets) == 1:
            target = node.targets[0].target
            if isinstance(target, cst.Name):
                self._candidates.append(_Candidate(node.value, loops[-1], "name", name=target.value))

    def visit_Call(self, node: cst.Call) -> None:
        loops = self._frames[-1]
        func = node.func
        if not loops or not isinstance(func, cst.Attribute):
            return
        if isinstance(func.value, cst.Call):
            self._candidates.append(_Candidate(func.value, loops[-1], "inline"))  # Pool(4).map(...)
        elif isinstance(func.value, cst.Name) and func.attr.value in _CLOSERS:
            for loop in loops:
                loop.closed.add(func.value.value)

    # ---- judge -----------------------------------------------------------------------------------------
    def check(self, model: ModuleModel) -> None:
        calls = {id(call.node): call for call in model.calls}
        reported: set[int] = set()
        for candidate in self._candidates:
            call = calls.get(id(candidate.call))
            if call is None or call.qualname not in FRESH_PROCESS_POOLS or id(candidate.call) in reported:
                continue
            if candidate.how == "name" and candidate.name not in candidate.loop.closed:
                continue  # kept beyond the iteration (appended, returned) or never closed here: not judged
            if _uses(candidate.call, call.loop_names) or _runs_once(candidate.loop.node, candidate.statement):
                continue
            reported.add(id(candidate.call))
            loop_line = model.position(candidate.loop.node).start.line
            end = model.position(candidate.call).end
            self.report(
                call.line,
                call.column,
                self.MESSAGE.format(pool=quote(candidate.call), loop=loop_line),
                end=(end.line, end.column),
            )


def _uses(call: cst.Call, names: frozenset[str]) -> bool:
    """Do the pool's arguments read a name the loop binds (a pool made for this iteration on purpose)?"""
    if not names:
        return False
    found = []

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value in names:
                found.append(node)

    for arg in call.args:
        arg.value.visit(_Names())
    return bool(found)


def _runs_once(loop: Loop, statement: Optional[cst.CSTNode]) -> bool:
    """A loop that visibly runs once: over ``range(1)`` or a one-item literal, or whose body (or the
    ``with`` block holding the pool) ends in an unconditional ``return``, ``break`` or ``raise``."""
    if isinstance(loop, cst.For):
        it = loop.iter
        if isinstance(it, (cst.List, cst.Tuple, cst.Set)) and len(it.elements) <= 1:
            return True
        if (
            isinstance(it, cst.Call)
            and isinstance(it.func, cst.Name)
            and it.func.value == "range"
            and len(it.args) == 1
            and isinstance(it.args[0].value, cst.Integer)
            and int(it.args[0].value.value, 0) <= 1
        ):
            return True
    blocks = [loop.body]
    if isinstance(statement, cst.With):
        blocks.append(statement.body)
    return any(_ends(block) for block in blocks)


def _ends(block: cst.BaseSuite) -> bool:
    body = getattr(block, "body", ())
    if not body or not isinstance(body, (list, tuple)):
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Break, cst.Raise)) for s in last.body)
    return False
