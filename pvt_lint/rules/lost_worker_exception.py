"""PVT401: a submitted task's future is dropped, so the exception the task raises is never seen."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst

from ..apis import ERROR_CALLBACK_KEYWORDS, FUTURE_METHODS, PROCESS_KILLERS, WARM_UP_TASKS
from ..apis.reporting import INERT_DECORATORS, LOGGING_METHODS, PRINTS_EXCEPTION
from ..model import DispatchSite, FunctionInfo, ModuleModel
from ..model.syntax import dotted
from ..walk import code_children
from .base import Rule
from .quoting import quote

_BROAD = frozenset({"Exception", "BaseException"})
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp)
_APPLY_ASYNC_ERROR_CALLBACK = 4  # apply_async(func, args, kwds, callback, error_callback)


class LostWorkerException(Rule):
    """Future of a submitted task dropped, so the exception the task raises is lost.

    ## What it does
    Flags `executor.submit(...)` and `pool.apply_async(...)` on a thread or process pool the module
    builds, when what the call returns is thrown away: the call is a statement on its own (or the
    element of a comprehension used as one), it is bound to a name that is never read, or it is
    appended to a list that is never read. Nothing then calls `.result()`, `.exception()`, `.get()`,
    `add_done_callback`, `as_completed` or `wait` on it. A task function whose whole body is a `try`
    that catches `Exception` (or everything) and logs it or does not raise again reports its own
    failures and is not flagged, nor is an `apply_async` with an `error_callback`.

    ## Why is this bad?
    A pool keeps a worker's exception inside the future (or `AsyncResult`) and raises it only in the
    code that asks for the result. If no one asks, the exception is never raised and never printed:
    the task failed, and the program goes on as if it had done its work. That is the fault isolation
    of the guide's houses working against you: the fire in the other house is put out, and no one
    tells you there was one. `pool.map` and `executor.map` raise the first exception in the caller,
    and a returned future is the caller's to check, so they are not flagged.

    ## Example
    ```python
    from concurrent.futures import ThreadPoolExecutor

    def resize(path):
        raise OSError(f"cannot read {path}")

    with ThreadPoolExecutor() as pool:
        for path in ["a.png", "b.png"]:
            pool.submit(resize, path)  # the OSError is never seen
    print("all images resized")
    ```

    ## Use instead
    ```python
    from concurrent.futures import ThreadPoolExecutor, as_completed

    def resize(path):
        raise OSError(f"cannot read {path}")

    with ThreadPoolExecutor() as pool:
        futures = [pool.submit(resize, path) for path in ["a.png", "b.png"]]
        for future in as_completed(futures):
            try:
                future.result()
            except OSError as exc:
                print("failed:", exc)
    ```

    ## Concept
    [10. A fire in another house: lost exceptions](docs/concepts.md#10-a-fire-in-another-house-lost-exceptions)

    ## Reproduction
    `pvt-lint --repro PVT401` submits tasks that fail to a thread pool and a process pool, drops their
    futures, and shows that the program ends "successfully" with no trace of the errors;
    `pvt-lint --repro PVT401 --fixed` keeps the futures and sees every exception.

    ## Known limitations
    Only pools and executors the module builds (bound to a name, to `self.x`, or in a `with`) are
    recognised; an executor received as a parameter is not. A future stored in an attribute
    (`self.future = ...`), in a dict, or returned, is assumed to be checked somewhere; a name or list
    that is read at all (even only to be printed) counts as checked. A task under a decorator of this
    module is not flagged when a function nested in the decorator reports failures that way (a wrapper
    whose whole body is such a `try`, as parsl's `@wrap_with_logs`); an imported decorator, whose body
    the module cannot see, is taken to perhaps report them, unless it is one that wraps nothing around
    exceptions (`@functools.lru_cache`); a decorator reached through an object (`@self.gauge.time()`)
    is taken to pass them on. A task that reports its failures
    another way (a wrapper function it calls) is flagged. Builtins and `time.sleep` submitted only to start the workers (a
    warm-up that cannot fail) are not flagged, nor is a task whose own body kills a process (`os.kill`,
    `os._exit`: loky's tests kill a worker to test recovery, so the pool breaks by design); a task that
    breaks its pool another way (a helper that kills, `sys.exit`) is still flagged. `threading.Thread` targets are not judged: an
    uncaught exception there is printed by `threading.excepthook`, so it is not lost without a trace,
    and whether the program learns of the failure (a queue, an event, a flag) cannot be told
    precisely from the code.
    """

    CODE = "PVT401"
    NAME = "lost-worker-exception"
    MESSAGE = "the {future} of `{call}` {fate}: an exception in {task} is lost; call `{ask}`"
    CONCEPT = "10-a-fire-in-another-house-lost-exceptions"
    VALID = (
        # Futures kept and asked for their results (as_completed, a list of results).
        """
from concurrent.futures import ThreadPoolExecutor, as_completed
def fetch(url):
    return url
with ThreadPoolExecutor() as ex:
    futures = [ex.submit(fetch, u) for u in ["a", "b"]]
    for future in as_completed(futures):
        print(future.result())
    single = ex.submit(fetch, "c")
    single.add_done_callback(print)
""",
        # Near miss: the task catches and logs everything itself; apply_async with an error_callback.
        """
import logging
import multiprocessing
def work(n):
    try:
        return 1 / n
    except Exception:
        logging.exception("work %s failed", n)
def main():
    with multiprocessing.Pool() as pool:
        pool.apply_async(work, (0,), error_callback=logging.error)
        pool.apply_async(work, (1,))
        pool.close()
        pool.join()
""",
        # Near miss: the task logs its failure before raising it again, so it is seen in the log.
        """
import logging
from concurrent.futures import ThreadPoolExecutor
EXECUTOR = ThreadPoolExecutor(4)
def send(message):
    try:
        print(message)
    except Exception:
        logging.exception("send failed")
        raise
def notify(message):
    EXECUTOR.submit(send, message)
""",
        # Near miss: map raises in the caller; a returned future is the caller's to check.
        """
from concurrent.futures import ProcessPoolExecutor
POOL = ProcessPoolExecutor()
def square(n):
    return n * n
def schedule(n):
    return POOL.submit(square, n)
def run():
    for value in POOL.map(square, range(4)):
        print(value)
""",
    )
    INVALID = (
        """
from concurrent.futures import ThreadPoolExecutor
def resize(path):
    raise OSError(path)
with ThreadPoolExecutor() as pool:
    for path in ["a.png", "b.png"]:
        pool.submit(resize, path)  # expect: PVT401
""",
        # Stored and never read; appended to a list nobody reads; a comprehension used as a statement.
        """
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
def convert(name):
    return name.upper()
def main(names):
    pool = multiprocessing.Pool()
    result = pool.apply_async(convert, ("a",))  # expect: PVT401
    pending = []
    with ProcessPoolExecutor() as ex:
        for name in names:
            pending.append(ex.submit(convert, name))  # expect: PVT401
        [ex.submit(convert, n) for n in names]  # expect: PVT401
""",
        # Near miss for the near miss: the handler cleans up and raises again, reporting nothing.
        """
from concurrent.futures import ThreadPoolExecutor
EXECUTOR = ThreadPoolExecutor(4)
def send(message, outbox):
    try:
        print(message)
    except Exception:
        outbox.clear()
        raise
def notify(message, outbox):
    EXECUTOR.submit(send, message, outbox)  # expect: PVT401
""",
    )

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._module: Optional[cst.Module] = None
        self._dropped: set[int] = set()  # submit calls whose value is thrown away
        self._stored: dict[int, cst.Name] = {}  # submit call -> the name it is bound to
        self._appended: dict[int, cst.Name] = {}  # submit call -> the list it is appended to

    # ---- collect: what happens to the value of each call ---------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    def visit_Expr(self, node: cst.Expr) -> None:
        value = node.value
        if isinstance(value, _COMPREHENSIONS):
            value = value.elt
        if isinstance(value, cst.Call):
            self._dropped.add(id(value))

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value.elt if isinstance(node.value, cst.ListComp) else node.value
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(value, cst.Call):
            self._stored[id(value)] = node.targets[0].target

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (isinstance(func, cst.Attribute) and func.attr.value == "append" and isinstance(func.value, cst.Name)
                and len(node.args) == 1 and isinstance(node.args[0].value, cst.Call)):
            self._appended[id(node.args[0].value)] = func.value

    # ---- judge ------------------------------------------------------------------------------------------
    def check(self, model: ModuleModel) -> None:
        for site in model.dispatches:
            method = site.api.rsplit(".", 1)[-1]
            if not site.pool or method not in FUTURE_METHODS or site.api.startswith("loop."):
                continue
            task = model.function(site.target)
            if _has_error_callback(site.call) or _keeps_its_failures(model, task) or _reporting_decorator(model, task):
                continue
            if site.form == "builtin" or _resolved(model, site) in WARM_UP_TASKS:
                continue  # a warm-up task that starts the workers and cannot fail
            if site.target is not None and any(c.qualname in PROCESS_KILLERS for c in model.calls_in(site.target)):
                continue  # the task kills a process on purpose: its pool is broken by design
            key = id(site.call)
            scope = self._scope_node(model, site)
            if key in self._dropped:
                fate = "is dropped"
            elif key in self._stored and not _read(scope, self._stored[key].value, {id(self._stored[key])}):
                fate = f"is bound to `{self._stored[key].value}`, never read"
            elif key in self._appended and not _read_beyond_append(scope, self._appended[key].value):
                fate = f"goes into `{self._appended[key].value}`, never read"
            else:
                continue
            self._report(model, site, method, fate)

    def _scope_node(self, model: ModuleModel, site: DispatchSite) -> Optional[cst.CSTNode]:
        fn = model.function(site.caller)
        return fn.node if fn is not None else self._module

    def _report(self, model: ModuleModel, site: DispatchSite, method: str, fate: str) -> None:
        fn = model.function(site.target)
        if fn is not None and fn.is_lambda:
            task = f"the lambda (line {fn.line})"
        elif fn is not None:
            task = f"`{fn.name}` (line {fn.line})"
        elif site.callable_node is not None:
            task = f"`{quote(site.callable_node, 30)}`"
        else:
            task = "the task"
        future, ask = ("future", ".result()") if method == "submit" else ("AsyncResult", ".get()")
        message = self.MESSAGE.format(future=future, call=quote(site.call), fate=fate, task=task, ask=ask)
        self.report(site.line, site.column, message, end=(site.end_line, site.end_column))


def _resolved(model: ModuleModel, site: DispatchSite) -> Optional[str]:
    node = site.callable_node
    return model.resolve(node, model.scope_of(site.caller), None) if node is not None else None


def _has_error_callback(call: cst.Call) -> bool:
    if any(a.keyword is not None and a.keyword.value in ERROR_CALLBACK_KEYWORDS for a in call.args):
        return True
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return call.func.attr.value == "apply_async" if len(positional) > _APPLY_ASYNC_ERROR_CALLBACK else False


def _keeps_its_failures(model: ModuleModel, fn: Optional[FunctionInfo]) -> bool:
    """Is the task's whole body a ``try`` whose broad handler reports the exception (logs or prints it)
    or does not raise again?"""
    if fn is None or not isinstance(fn.node, cst.FunctionDef) or not isinstance(fn.node.body, cst.IndentedBlock):
        return False
    body = [s for s in fn.node.body.body if not _docstring(s)]
    if len(body) != 1 or not isinstance(body[0], cst.Try):
        return False
    scope = model.scope_of(fn.qualname)
    for handler in body[0].handlers:
        nodes = list(_nodes(handler.body))
        if _broad(handler.type) and (not any(isinstance(n, cst.Raise) for n in nodes)
                                     or any(_reports(model, n, scope) for n in nodes)):
            return True
    return False


def _reports(model: ModuleModel, node: cst.CSTNode, scope) -> bool:
    if not isinstance(node, cst.Call):
        return False
    if isinstance(node.func, cst.Attribute) and node.func.attr.value in LOGGING_METHODS:
        return True
    return model.resolve(node.func, scope, None) in PRINTS_EXCEPTION


def _reporting_decorator(model: ModuleModel, fn: Optional[FunctionInfo]) -> bool:
    """Does a decorator of the task perhaps report its failures? One of this module does when a function
    nested in it keeps them (a wrapper whose whole body is a ``try`` that logs); an imported one may
    (parsl's ``@wrap_with_logs``), unless it is known to wrap nothing around exceptions
    (``@functools.lru_cache``); a method of an object (``@self.gauge.time()``, a metric's timer) is
    taken to pass exceptions on."""
    if fn is None or not isinstance(fn.node, cst.FunctionDef):
        return False
    scope = model.scope_of(fn.parent) if fn.parent else ()
    for decorator in fn.node.decorators:
        expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        local = model.function(expr.value) if isinstance(expr, cst.Name) else None
        if local is not None and local.parent is None and local.class_qualname is None:
            prefix = local.qualname + ".<locals>."
            if any(q.startswith(prefix) and _keeps_its_failures(model, model.function(q)) for q in model.functions):
                return True
        elif local is None and (dotted(expr) or "").partition(".")[0] in model.imports \
                and model.resolve(expr, scope, None) not in INERT_DECORATORS:
            return True  # an imported decorator; one reached through an object (``@self.gauge.time()``) is not
    return False


def _broad(kind: Optional[cst.BaseExpression]) -> bool:
    if kind is None:
        return True
    names = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return any(isinstance(n, cst.Name) and n.value in _BROAD for n in names)


def _docstring(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _nodes(root: Optional[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        yield node
        stack.extend(code_children(node))


def _read(scope: Optional[cst.CSTNode], name: str, skip: set[int]) -> bool:
    """Is ``name`` used anywhere in ``scope`` (nested functions included) other than at ``skip``?"""
    attrs = set()
    for node in _nodes(scope):
        if isinstance(node, cst.Attribute):
            attrs.add(id(node.attr))
        elif isinstance(node, cst.Name) and node.value == name and id(node) not in skip and id(node) not in attrs:
            return True
    return scope is None  # nothing to look in: assume it is read


def _read_beyond_append(scope: Optional[cst.CSTNode], name: str) -> bool:
    """Is list ``name`` used other than by ``name.append(...)`` and its own ``name = []``?"""
    skip = set()
    for node in _nodes(scope):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "append":
            if isinstance(node.func.value, cst.Name):
                skip.add(id(node.func.value))
        elif isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            if isinstance(node.value, (cst.List, cst.Call)):
                skip.add(id(node.targets[0].target))
    return _read(scope, name, skip)
