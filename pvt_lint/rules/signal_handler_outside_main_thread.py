"""PVT204: a signal handler set from a thread other than the main one, which raises ValueError."""

from __future__ import annotations

from ..apis import MAIN_THREAD_ONLY_CALLS
from ..model import ModuleModel
from .base import Rule
from .quoting import quote
from .thread_code import CATCHES_VALUE_ERROR, GuardTracking, catches, how_it_runs, thread_reach


class SignalHandlerOutsideMainThread(GuardTracking, Rule):
    """Signal handler set in code that runs in a thread other than the main one.

    ## What it does
    Flags `signal.signal(...)` and `signal.set_wakeup_fd(...)` in code that runs in a thread the module
    starts: a `Thread` or `Timer` target, a `Thread` subclass's `run`, a task or initializer of a thread
    pool (`ThreadPoolExecutor`, `ThreadPool`, `loop.run_in_executor`, `asyncio.to_thread`), and every
    function of the same module that such code calls.

    ## Why is this bad?
    Signal handlers belong to the process, not to a thread: Python runs every handler in the main
    thread, and only the main thread may install one. Anywhere else the call raises
    `ValueError: signal only works in main thread of the main interpreter`, the thread dies at that
    line, and the handler the program relies on (to shut down cleanly on `SIGTERM`, to reload on
    `SIGHUP`) was never installed.

    ## Example
    ```python
    import signal
    import threading

    stopping = threading.Event()

    def on_term(signum, frame):
        stopping.set()

    def serve():
        signal.signal(signal.SIGTERM, on_term)
        while not stopping.wait(0.1):
            pass

    if __name__ == "__main__":
        worker = threading.Thread(target=serve)
        worker.start()
        worker.join()
    ```

    ## Use instead
    ```python
    import signal
    import threading

    stopping = threading.Event()

    def on_term(signum, frame):
        stopping.set()

    def serve():
        while not stopping.wait(0.1):
            pass

    if __name__ == "__main__":
        signal.signal(signal.SIGTERM, on_term)  # the main thread installs it; the event tells the worker
        worker = threading.Thread(target=serve)
        worker.start()
        worker.join()
    ```

    ## Concept
    [Signals and exits belong to the whole house](docs/concepts.md#signals-and-exits-belong-to-the-whole-house)

    ## Reproduction
    `pvt-lint --repro PVT204` installs a `SIGTERM` handler from a worker thread and shows the
    `ValueError`; `pvt-lint --repro PVT204 --fixed` installs it in the main thread and shows it run.

    ## Known limitations
    Only threads started in the same module, and functions of the same module they call, are followed.
    A call inside a `try` with a handler for `ValueError` (or `Exception`, `BaseException`, a bare
    `except`) is taken as handled, and so is a call made after its function mentions `main_thread`
    (`threading.current_thread() is threading.main_thread()`) or `"MainThread"`, whatever the check
    decides. A child process's target is not thread code: a process has its own main thread, so a
    handler installed there is fine. `signal.pthread_sigmask`, `signal.getsignal` and `signal.alarm` work
    in any thread and are not flagged; `loop.add_signal_handler` is not followed.
    """

    CODE = "PVT204"
    NAME = "signal-handler-outside-main-thread"
    MESSAGE = "`{call}` in {how} raises ValueError outside the main thread"
    CONCEPT = "signals-and-exits-belong-to-the-whole-house"
    VALID = (
        # Near miss: the main thread installs the handler; the worker only waits on an event.
        """
import signal
import threading
stop = threading.Event()
def serve():
    stop.wait()
def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    worker = threading.Thread(target=serve)
    worker.start()
    worker.join()
""",
        # Near miss: a child process has its own main thread, so its target may install handlers.
        """
import multiprocessing
import signal
def child():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
if __name__ == "__main__":
    p = multiprocessing.Process(target=child)
    p.start()
    p.join()
""",
        # Near miss: blocking signals and reading the handler are legal in any thread.
        """
import signal
import threading
def worker():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.getsignal(signal.SIGTERM)
threading.Thread(target=worker).start()
""",
        # Near miss: the thread asks whether it is the main one first.
        """
import signal
import threading
def install(handler):
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)
threading.Thread(target=install, args=(print,)).start()
""",
    )
    INVALID = (
        """
import signal
import threading
def serve():
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # expect: PVT204
threading.Thread(target=serve).start()
""",
        # In a helper the Thread subclass's run calls.
        """
import signal
import threading
def install_wakeup(fd):
    signal.set_wakeup_fd(fd)  # expect: PVT204
class Loop(threading.Thread):
    def run(self):
        install_wakeup(3)
""",
        # A thread pool task; a try that catches only OSError does not handle the ValueError.
        """
import signal
from concurrent.futures import ThreadPoolExecutor
def task(handler):
    try:
        signal.signal(signal.SIGHUP, handler)  # expect: PVT204
    except OSError:
        pass
with ThreadPoolExecutor() as pool:
    pool.submit(task, print)
""",
    )

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._init_guards()

    def check(self, model: ModuleModel) -> None:
        reach = thread_reach(model, self, CATCHES_VALUE_ERROR)
        for call in model.calls:
            if call.qualname not in MAIN_THREAD_ONLY_CALLS or call.caller not in reach:
                continue
            guard = self.guard(call.node)
            if guard.main_checked or catches(guard, CATCHES_VALUE_ERROR):
                continue
            site = reach[call.caller]
            end = model.position(call.node).end
            self.report(
                call.line,
                call.column,
                self.MESSAGE.format(call=quote(call.node.func), how=how_it_runs(model, call.caller, site)),
                end=(end.line, end.column),
            )
