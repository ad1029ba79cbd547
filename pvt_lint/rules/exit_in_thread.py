"""PVT205: sys.exit(), exit(), quit() or raise SystemExit in thread code, which ends only that thread."""

from __future__ import annotations

import libcst as cst

from ..apis import THREAD_ENDING_CALLS, THREAD_ENDING_EXCEPTIONS
from ..model import ModuleModel
from .base import Rule
from .quoting import quote
from .thread_code import CATCHES_SYSTEM_EXIT, GuardTracking, catches, enclosing_function, how_it_runs, thread_reach

_QUOTE = 30  # characters of the quoted exit


class ExitInThread(GuardTracking, Rule):
    """`sys.exit()`, `exit()`, `quit()` or `raise SystemExit` in thread code, which ends only that thread.

    ## What it does
    Flags `sys.exit(...)`, `exit(...)`, `quit(...)` and `raise SystemExit(...)` in code that runs in a
    thread the module starts: a `Thread` or `Timer` target, a `Thread` subclass's `run`, a thread pool's
    task or initializer, and every function of the same module that such code calls, unless a `try`
    around it in that code catches `SystemExit`.

    ## Why is this bad?
    `sys.exit()` does not stop the program: it raises `SystemExit`. In the main thread that exception
    unwinds to the interpreter, which exits. In any other thread it unwinds only that thread's
    function, and `threading` drops it without printing anything. The thread ends, the main thread and
    every other thread go on, and the exit code the author chose is lost: the program that was meant
    to stop on a fatal error keeps running without the part that failed. In a thread pool the
    `SystemExit` ends only the task: it is kept in the task's future, and seen only if someone asks.

    ## Example
    ```python
    import sys
    import threading
    import time

    def watch(path):
        if not path:
            print("watcher: nothing to watch, exiting")
            sys.exit(2)

    if __name__ == "__main__":
        threading.Thread(target=watch, args=("",)).start()
        time.sleep(0.2)
        print("main: still running")
    ```

    ## Use instead
    ```python
    import threading
    import time

    failed = threading.Event()

    def watch(path):
        if not path:
            print("watcher: nothing to watch, telling main")
            failed.set()

    if __name__ == "__main__":
        threading.Thread(target=watch, args=("",)).start()
        if failed.wait(0.2):
            raise SystemExit(2)  # the main thread decides, and the program does exit
        print("main: still running")
    ```

    ## Concept
    [Signals and exits belong to the whole house](docs/concepts.md#signals-and-exits-belong-to-the-whole-house)

    ## Reproduction
    `pvt-lint --repro PVT205` calls `sys.exit(3)` in a worker thread and shows the program finishing its
    work and exiting with status 0; `pvt-lint --repro PVT205 --fixed` hands the failure to the main
    thread, which exits with status 3.

    ## Known limitations
    Only threads started in the same module, and functions of the same module they call, are followed;
    a function that is also called from the main thread is still flagged for its thread callers. A `try`
    is recognised by the names in its handlers (`SystemExit`, `BaseException`, a bare `except`), not by
    what they do. `os._exit()` is not flagged: it ends the whole process at once from any thread, without
    clean-up, which is what a watchdog thread that must stop a hung program means to do; use it only
    for that. `_thread.exit()` is the documented way to end the current thread and is not flagged either.
    A child process's target is not thread code: there `sys.exit` ends that process, as intended.
    A test that checks this very behaviour (CPython's `test_threading` raises `SystemExit` in a thread to
    see it ignored) is flagged, correctly; mark such a line `# noqa: PVT205`.
    """

    CODE = "PVT205"
    NAME = "exit-in-thread"
    MESSAGE = "`{call}` in {how} ends only that {what}, silently, and the program goes on"
    CONCEPT = "signals-and-exits-belong-to-the-whole-house"
    VALID = (
        # Near miss: the main thread exits after joining the worker.
        """
import sys
import threading
def work(results):
    results.append(1)
def main():
    results = []
    t = threading.Thread(target=work, args=(results,))
    t.start()
    t.join()
    sys.exit(0 if results else 1)
""",
        # Near miss: a watchdog ends the whole process on purpose with os._exit.
        """
import os
import threading
def watchdog(done, timeout):
    if not done.wait(timeout):
        os._exit(70)
done = threading.Event()
threading.Thread(target=watchdog, args=(done, 30.0), daemon=True).start()
""",
        # Near miss: sys.exit in a child process's target ends that process, as meant.
        """
import multiprocessing
import sys
def child(code):
    sys.exit(code)
if __name__ == "__main__":
    p = multiprocessing.Process(target=child, args=(3,))
    p.start()
    p.join()
""",
        # Near miss: the thread raises SystemExit and catches it itself.
        """
import threading
def step(n):
    if n < 0:
        raise SystemExit(1)
def run(items, errors):
    for n in items:
        try:
            step(n)
        except SystemExit:
            errors.append(n)
threading.Thread(target=run, args=([1, -1], [])).start()
""",
    )
    INVALID = (
        """
import sys
import threading
def worker(path):
    if not path:
        sys.exit(2)  # expect: PVT205
threading.Thread(target=worker, args=("",)).start()
""",
        # raise SystemExit in a helper the thread calls; the try catches only Exception.
        """
import threading
def fail(why):
    print(why)
    raise SystemExit(1)  # expect: PVT205
def poll():
    try:
        fail("no data")
    except Exception:
        pass
threading.Thread(target=poll, daemon=True).start()
""",
        # exit() in a Thread subclass's run, and quit() in a pool task.
        """
import threading
from concurrent.futures import ThreadPoolExecutor
class Reader(threading.Thread):
    def run(self):
        exit(1)  # expect: PVT205
def task():
    quit()  # expect: PVT205
with ThreadPoolExecutor() as pool:
    pool.submit(task)
""",
    )

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._init_guards()

    def check(self, model: ModuleModel) -> None:
        reach = thread_reach(model, self, CATCHES_SYSTEM_EXIT)
        found: list[tuple[int, int, cst.CSTNode, str]] = []
        for call in model.calls:
            if call.qualname not in THREAD_ENDING_CALLS or call.caller not in reach:
                continue
            if "." not in call.qualname and self._shadowed(model, call.qualname, call.caller):
                continue  # a name of the module's own for exit/quit
            if catches(self.guard(call.node), CATCHES_SYSTEM_EXIT):
                continue
            found.append((call.line, call.column, call.node, call.caller))
        for node in self.raises:
            exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
            if exc is None:
                continue
            start = model.position(node).start
            function = enclosing_function(model, start.line)
            if function not in reach or catches(self.guard(node), CATCHES_SYSTEM_EXIT):
                continue
            if model.resolve(exc, model.scope_of(function), None, start.line) not in THREAD_ENDING_EXCEPTIONS:
                continue
            found.append((start.line, start.column, node, function))
        for line, column, node, function in sorted(found, key=lambda f: (f[0], f[1])):
            end = model.position(node).end
            self.report(
                line,
                column,
                self.MESSAGE.format(call=quote(node, _QUOTE), how=how_it_runs(model, function, reach[function]),
                                    what="task" if reach[function].pool else "thread"),
                end=(end.line, end.column),
            )

    @staticmethod
    def _shadowed(model: ModuleModel, name: str, function: str) -> bool:
        if name in model.module_names:
            return True
        return any(
            (fn := model.function(qualname)) is not None and fn.binds_locally(name)
            for qualname in model.scope_of(function)
        )
