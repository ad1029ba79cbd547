"""PVT103: processes started when the module is imported, outside the main guard."""

from __future__ import annotations

import os

from ..findings import Related
from ..model import PROCESS, ModuleModel
from ..model.project_facts import display
from ..model.start_methods import re_importing
from .base import Rule
from .guard_fixes import main_guard_fix
from .quoting import quote


class ProcessStartAtImport(Rule):
    """Process started at import time, outside `if __name__ == "__main__":`.

    ## What it does
    Flags the first module-level statement that starts child processes when the module is imported:
    `Process(...).start()`, creating a `multiprocessing.Pool`, sending work to a
    `ProcessPoolExecutor`, `multiprocessing.Manager()`, `set_start_method()`, or a module-level call
    to a function of the module that does one of these, outside `if __name__ == "__main__":`.

    ## Why is this bad?
    Under `spawn` and `forkserver` (the defaults on macOS, Windows and, since Python 3.14, Linux) a
    child process imports the main module again to find the function it must run. Module-level code
    runs again in the child, tries to start processes of its own, and multiprocessing stops it with
    `RuntimeError: An attempt has been made to start a new process before the current process has
    finished its bootstrapping phase`; the work never runs.

    ## Example
    ```python
    import multiprocessing

    def work():
        print("child: working")

    p = multiprocessing.Process(target=work)
    p.start()
    p.join()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def work():
        print("child: working")

    if __name__ == "__main__":
        p = multiprocessing.Process(target=work)
        p.start()
        p.join()
    ```

    ## Concept
    [7. The main-module guard](docs/concepts.md#7-the-main-module-guard)

    ## Reproduction
    `pvt-lint --repro PVT103` runs an unguarded script under spawn and shows the child dying with the
    bootstrapping `RuntimeError`; `pvt-lint --repro PVT103 --fixed` runs the guarded script.

    ## Known limitations
    Only the first such statement through the module's own functions is reported; with project facts,
    each module-level call into another module's function that starts processes (also through the
    registry's third-party starters) is reported too. Under `fork` no child imports the module again:
    `set_start_method("fork")` at import time, and any start in a module or program that sets fork, are
    not reported, nor is a module that names no other start method when the configuration's defaults are
    all fork (a Linux-only program below Python 3.14); starts through another module's functions still
    are. `set_start_method(..., force=True)` at import time is not reported either: a spawned child that
    imports the module sets the method again without the "context has already been set" error. A file named `__main__.py` is not reported: multiprocessing does not
    re-import it in children. Processes kept in containers (`for p in procs: p.start()`) are found
    inside functions but not at module level. A `ProcessPoolExecutor` that is created but never sent
    work at module level is not reported (it starts no process until it is). `--fix --unsafe-fixes`
    moves the statement that starts processes, and the module-level statements after it, under a new
    `if __name__ == "__main__":` at the end of the module, leaving functions, classes and imports where
    they are; it is unsafe (importing the module no longer runs that code) and is not offered when the
    module has a main guard already, when anything left at module level (a function, a class, a later
    statement) reads a name the moved code binds, or when the moved code defines or imports something or
    holds a string over several lines.
    """

    CODE = "PVT103"
    NAME = "process-start-at-import"
    MESSAGE = "`{call}` {what} at import time, outside `if __name__ == \"__main__\":`, and fails in every spawned child"
    CONCEPT = "7-the-main-module-guard"
    VALID = (
        """
import multiprocessing
def work():
    pass
if __name__ == "__main__":
    p = multiprocessing.Process(target=work)
    p.start()
    p.join()
""",
        # Near miss: a function that starts processes but is only called under the guard.
        """
from multiprocessing import Pool
def square(x):
    return x * x
def main():
    with Pool(2) as pool:
        print(pool.map(square, range(4)))
if __name__ == "__main__":
    main()
""",
        # A forced start method: a spawned child importing this module sets it again, without error.
        """
import multiprocessing
multiprocessing.set_start_method("spawn", force=True)
def square(x):
    return x * x
""",
        # Threads at module level are fine: nothing is re-imported.
        """
import threading
from concurrent.futures import ThreadPoolExecutor
def tick():
    pass
threading.Thread(target=tick, daemon=True).start()
executor = ThreadPoolExecutor()
executor.submit(tick)
""",
    )
    INVALID = (
        """
import multiprocessing
def work():
    pass
p = multiprocessing.Process(target=work)
p.start()  # expect: PVT103
p.join()
""",
        # A context's Pool, created at module level.
        """
import multiprocessing
def square(x):
    return x * x
ctx = multiprocessing.get_context("spawn")
pool = ctx.Pool(4)  # expect: PVT103
print(pool.map(square, range(4)))
""",
        # A module-level call to a function that starts the processes.
        """
from concurrent.futures import ProcessPoolExecutor
def square(x):
    return x * x
def main():
    with ProcessPoolExecutor() as ex:
        print(list(ex.map(square, range(4))))
main()  # expect: PVT103
""",
    )

    _module = None

    def visit_Module(self, node) -> None:
        self._module = node  # the module's statements, for the fix

    def check(self, model: ModuleModel) -> None:
        if os.path.basename(self.path) == "__main__.py":
            return
        if model.sets_start_method("fork") or "fork" in model.project.program_start_methods:
            return  # under fork no child imports the module again: module-level starts run once
        if not _re_imported(model):
            # The configuration meets only fork, and the module names no other start method; another
            # module's starter may name one, so the project's starts are still judged.
            self._check_project(model, set())
            return
        starts = [(call, what) for call, what in model.process_starts() if model.start_method_set_by(call) != "fork"]
        starters: dict[str, tuple[int, str]] = {}
        for call, what in starts:
            if call.caller:
                starters.setdefault(call.caller, (call.line, what))
        for site in model.dispatches:
            if site.context == PROCESS and site.role in ("target", "run") and site.caller:
                starters.setdefault(site.caller, (site.line, "starts a process"))
        found: list[tuple[int, int, str, tuple]] = []
        for call, what in starts:
            if model.import_time(call):
                found.append((call.line, call.column, self.MESSAGE.format(call=quote(call.node), what=what), ()))
        for call in model.calls:
            if not (model.import_time(call) and call.callee):
                continue
            reached = sorted(q for q in model.closure(call.callee) if q in starters)
            if reached:
                line, what = min(starters[q] for q in reached)
                where = next(q for q in reached if starters[q][0] == line)
                name = model.function(where).name if model.function(where) else where
                what = f"{what} (in `{name}`, line {line})"
                related = (Related(line, 0, f"`{name}` {starters[where][1]} here"),)
                found.append((call.line, call.column, self.MESSAGE.format(call=quote(call.node), what=what), related))
        if found:
            line, column, message, related = min(found, key=lambda f: (f[0], f[1]))
            self.report(line, column, message, related=related, fix=main_guard_fix(model, self._module, line))
        self._check_project(model, {f[0] for f in found})

    def _check_project(self, model: ModuleModel, seen: set[int]) -> None:
        """Module-level calls to another module's functions that start processes, transitively."""
        calls = {(c.line, c.qualname): c for c in model.calls if model.import_time(c)}
        for start in model.project.import_time_starts:
            call = calls.get((start.line, start.target))
            chain = start.starter.chain
            if call is None or start.line in seen or chain[0].partition(":")[0] == model.project.module:
                continue  # this module's own starters are judged above
            seen.add(start.line)
            via = f" via {_names(chain)}" if len(chain) > 1 else ""
            message = _PROJECT_MESSAGE.format(call=quote(call.node), last=display(chain[-1]), via=via,
                                              what=start.starter.what)
            self.report(call.line, call.column, message)


def _re_imported(model: ModuleModel) -> bool:
    """May a child of this module's processes import it again? Not when the configured defaults are all
    fork and neither the module nor the program's entry module names another method (or an unknown one)."""
    named = model.named_start_methods() | set(model.project.program_start_methods)
    return bool(re_importing(model.default_start_methods)) or any(m != "fork" for m in named)


_PROJECT_MESSAGE = "`{call}` at import time reaches `{last}`{via}, which {what}: spawned children fail"


def _names(chain) -> str:
    return ", ".join(f"`{display(key)}`" for key in chain[:-1])
