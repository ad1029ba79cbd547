"""PVT301: pure-Python CPU work sent to threads, where the GIL runs it on one core at a time."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..apis import POOL_SWAPS, THREAD_CLASSES, alternatives, display
from ..findings import UNSAFE, WARNING, Edit, Fix, Related
from ..model import THREAD, DispatchSite, ModuleModel
from ..model.cross_module import other_path
from ..model.project_facts import display as display_key
from .base import Rule
from .spelling import spelled

# When the registry pairs no process API with the thread API (a Thread subclass).
_ANY_PROCESS_POOL = "a process pool (`concurrent.futures.ProcessPoolExecutor`)"


class CpuBoundWorkInThreads(Rule):
    """Pure-Python CPU-bound work sent to threads, which the GIL runs one at a time.

    ## What it does
    Flags the place where a function is sent to threads (`ThreadPoolExecutor`, `ThreadPool`,
    `multiprocessing.dummy`, several `threading.Thread`s, `loop.run_in_executor(None, f)`,
    `asyncio.to_thread`) when that function, and every function of the same module it calls,
    does pure-Python CPU work (a loop, a comprehension or recursion doing arithmetic, comparisons,
    indexing and calls to built-ins such as `range`, `len`, `sum` or `math.*`) and makes no call
    that blocks or releases the GIL: no file, socket or HTTP I/O, no `time.sleep`, no waiting on a
    queue, event, lock or thread, no `print` or logging inside the loop, no `numpy`, `hashlib`,
    `zlib` and the like, and no call into code it cannot see.

    ## Why is this bad?
    With the GIL only one thread runs Python bytecode at a time. A thread pool over a pure-Python
    loop is no faster than one thread, and often slower (the threads fight over the GIL). A process
    pool gives every worker its own interpreter and its own GIL, so the work uses every core.
    This is about speed, not correctness, so the finding is a warning.

    ## Example
    ```python
    from concurrent.futures import ThreadPoolExecutor

    def count_primes(limit):
        count = 0
        for n in range(2, limit):
            if all(n % d for d in range(2, int(n ** 0.5) + 1)):
                count += 1
        return count

    if __name__ == "__main__":
        with ThreadPoolExecutor(max_workers=4) as pool:
            print(list(pool.map(count_primes, [20_000] * 4)))
    ```

    ## Use instead
    ```python
    from concurrent.futures import ProcessPoolExecutor

    def count_primes(limit):
        count = 0
        for n in range(2, limit):
            if all(n % d for d in range(2, int(n ** 0.5) + 1)):
                count += 1
        return count

    if __name__ == "__main__":
        with ProcessPoolExecutor(max_workers=4) as pool:
            print(list(pool.map(count_primes, [20_000] * 4)))
    ```

    ## Concept
    [8. Free-threaded Python](docs/concepts.md#8-free-threaded-python)

    ## Reproduction
    `pvt-lint --repro PVT301` times the same loop on 2 threads and on 2 processes;
    `pvt-lint --repro PVT301 --fixed` shows the process pool using both cores.

    ## Known limitations
    With project facts, a target defined in another module is judged by its loops there and the
    modules it calls (the message names the loop's file and line); without them a call into another
    module makes the function "unknown". A method of an object it cannot type, or a callable passed in as an argument makes the function "unknown" and
    the rule stays silent. A single background `Thread` (to keep a program responsive) is not
    flagged. Loops are judged by shape, not by measured cost: a loop over a large argument may be
    cheap in practice. Code that checks `sys._is_gil_enabled()` before dispatching is trusted to pick
    threads only on a free-threaded build; the check is recognised when called directly or through a
    function of the same module, not through a variable. `--fix --unsafe-fixes` makes a
    `ThreadPoolExecutor` a `ProcessPoolExecutor` where every task the function sends to it (and its
    initializer) is a module-level function and its arguments are ones both take (`max_workers`,
    `initializer`, `initargs`), spelled through what the module imports (a fix adds no import); it is
    unsafe, since the tasks' arguments and results must then pickle and the tasks no longer share memory.
    """

    CODE = "PVT301"
    NAME = "cpu-bound-work-in-threads"
    MESSAGE = "`{target}` is pure-Python CPU work (the {what} at line {line}) sent to threads by `{api}`; use {alternative}"
    SEVERITY = WARNING
    CONCEPT = "8-free-threaded-python"
    VALID = (
        # The same function sent to processes: each has its own GIL.
        """
from concurrent.futures import ProcessPoolExecutor
def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
with ProcessPoolExecutor(4) as pool:
    pool.map(crunch, [10**6] * 4)
""",
        # An I/O loop: threads overlap the waiting.
        """
from concurrent.futures import ThreadPoolExecutor
from urllib.request import urlopen
def fetch(urls):
    sizes = []
    for url in urls:
        sizes.append(len(urlopen(url).read()))
    return sizes
with ThreadPoolExecutor(8) as pool:
    pool.submit(fetch, ["http://example.com"] * 10)
""",
        # numpy releases the GIL in its kernels: threads do run in parallel.
        """
import numpy as np
from concurrent.futures import ThreadPoolExecutor
def norms(rows):
    return [np.linalg.norm(row) for row in rows]
with ThreadPoolExecutor(4) as pool:
    pool.map(norms, [[[1.0, 2.0]] * 1000] * 4)
""",
    )
    INVALID = (
        """
from concurrent.futures import ThreadPoolExecutor
def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
with ThreadPoolExecutor(4) as pool:
    pool.map(crunch, [10**6] * 4)  # expect: PVT301
""",
        # Recursion, through multiprocessing.pool.ThreadPool.
        """
from multiprocessing.pool import ThreadPool
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
with ThreadPool(4) as pool:
    pool.map(fib, [30] * 4)  # expect: PVT301
""",
        # The work is in a helper of the same module.
        """
import threading
def is_prime(n):
    if n < 2:
        return False
    for d in range(2, int(n ** 0.5) + 1):
        if n % d == 0:
            return False
    return True
def count(lo, hi, out, slot):
    out[slot] = sum(1 for n in range(lo, hi) if is_prime(n))
out = [0] * 4
threads = [threading.Thread(target=count, args=(i * 1000, (i + 1) * 1000, out, i)) for i in range(4)]  # expect: PVT301
""",
    )

    def check(self, model: ModuleModel) -> None:
        work = model.work
        for site in model.dispatches:
            if site.context != THREAD or site.target is None or site.role == "initializer":
                continue
            if self._lone_background_thread(model, site):
                continue
            if work.gil_checked_before(site.caller, site.line):
                continue
            profile = work.profile(site.target)
            if not profile.cpu_bound or profile.hot is None:
                continue
            line, column, what = profile.hot
            fn = model.function(site.target)
            target = fn.name if fn is not None else site.target
            self.report(
                site.line,
                site.column,
                self.MESSAGE.format(target=target, what=what, line=line, api=display(site.api),
                                    alternative=_alternative(site.api)),
                end=(site.end_line, site.end_column),
                related=(Related(line, column, f"the {what} that keeps one core busy"),),
                fix=_pool_fix(model, site),
            )
        self._check_project(model)

    def _check_project(self, model: ModuleModel) -> None:
        """Thread dispatches of this module whose target, in another module, is CPU-bound there."""
        sends = {(c.line, c.column): c for c in model.project.cpu_sends}
        if not sends:
            return
        work = model.work
        for site in model.dispatches:
            send = sends.get((site.line, site.column))
            if send is None or site.context != THREAD or site.target is not None or site.role == "initializer":
                continue
            if self._lone_background_thread(model, site) or work.gil_checked_before(site.caller, site.line):
                continue
            chain = send.work.chain
            module = chain[-1].partition(":")[0]
            path = other_path(model, self.path, module)
            via = f" via `{display_key(chain[-1])}`" if len(chain) > 1 else ""
            what = f"{send.work.what} at {path or module}:{send.work.line}{via}"
            self.report(
                site.line,
                site.column,
                _PROJECT_MESSAGE.format(target=display_key(send.target), what=what, api=display(site.api),
                                        alternative=_alternative(site.api)),
                end=(site.end_line, site.end_column),
                related=(Related(send.work.line, 0, f"the {send.work.what} that keeps one core busy", path),),
            )

    @staticmethod
    def _lone_background_thread(model: ModuleModel, site: DispatchSite) -> bool:
        """One Thread object, not started in a loop, next to no other thread and no call of its target."""
        if site.pool or site.concurrent or site.api not in THREAD_CLASSES or model.work.in_loop(site.call):
            return False
        for other in model.dispatches:
            if other is not site and other.context == THREAD and other.caller == site.caller:
                return False
        return not any(call.caller == site.caller for call in model.callers_of(site.target or ""))


_PROJECT_MESSAGE = "`{target}` is pure-Python CPU work (the {what}) sent to threads by `{api}`; use {alternative}"


def _pool_fix(model: ModuleModel, site: DispatchSite) -> Optional[Fix]:
    """Unsafe: the thread pool ``site`` sends to (``pool`` of ``pool.map(...)``, or the pool made in place)
    is made as the process pool that takes the same arguments (``apis.POOL_SWAPS``), spelled through what
    the module imports. Only when every task sent to that pool in the function is a module-level function
    (and so is its initializer): a process pool pickles them by name. What the tasks take and return
    must pickle too, and they no longer share memory: a person reviews that."""
    func = site.call.func
    if not site.pool or not isinstance(func, cst.Attribute):
        return None
    scope = model.scope_of(site.caller)
    owner = func.value
    if isinstance(owner, cst.Name):
        found = model.lookup(owner.value, scope)
        made = found[1][1] if found is not None else None
        sites = [s for s in model.dispatches if s.pool and s.caller == site.caller
                 and isinstance(s.call.func, cst.Attribute) and isinstance(s.call.func.value, cst.Name)
                 and s.call.func.value.value == owner.value]
    else:
        made, sites = owner, [site]
    value = model.value_at(owner, scope)
    swap = POOL_SWAPS.get(value[:-2]) if value and value.endswith("()") else None
    if swap is None or not isinstance(made, cst.Call):
        return None
    process_pool, positional, keywords = swap
    args = made.args
    if any(a.star for a in args) or sum(a.keyword is None for a in args) > positional:
        return None
    if any(a.keyword is not None and a.keyword.value not in keywords for a in args):
        return None
    initializer = [a.value for a in args if a.keyword is not None and a.keyword.value == "initializer"]
    if not all(s.form == "function" and _module_level(model, s.target) for s in sites) or not all(
            isinstance(i, cst.Name) and _module_level(model, i.value) for i in initializer):
        return None
    name = spelled(model, process_pool)
    if name is None:
        return None
    where = model.position(made.func)
    return Fix(f"Make the pool with `{name}`", UNSAFE,
               (Edit(where.start.line, where.start.column, where.end.line, where.end.column, name),))


def _module_level(model: ModuleModel, qualname: Optional[str]) -> bool:
    fn = model.function(qualname)
    return fn is not None and fn.parent is None and fn.class_qualname is None and not fn.is_lambda


def _alternative(api: str) -> str:
    """The process API the registry pairs with this thread API."""
    named = alternatives(api)
    return " or ".join(f"`{name}`" for name in named) if named else _ANY_PROCESS_POOL
