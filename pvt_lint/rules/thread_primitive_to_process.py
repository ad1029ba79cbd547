"""PVT104: a threading lock/event or a queue.Queue handed to another process."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..model import PROCESS, DispatchSite, ModuleModel
from ..apis import MULTIPROCESSING_ALIASES, THREAD_PRIMITIVES, dill_pickled, display, in_family
from ..findings import UNSAFE, Edit, Fix, Related
from ..model.cross_module import other_path, unfit_sends
from ..model.project_facts import display as display_key
from ..model.summary import PRIMITIVE_ATTR
from ..walk import code_children
from .base import Rule

_UNFIT = frozenset((PRIMITIVE_ATTR,))
_PROJECT_MESSAGE = "`self.{attribute}` (a thread primitive) of the `{cls}` sent as {how} to `{api}` {effect}"
_STARTED_MESSAGE = "`self.{attribute}` (a thread primitive) of the started `{cls}` process {effect}"
from .quoting import quote
from .sent import sent_values
from .spelling import spelled

class ThreadPrimitiveToProcess(Rule):
    """Thread-only lock, event or queue handed to another process.

    ## What it does
    Flags a `threading.Lock`, `RLock`, `Condition`, `Event`, `Semaphore`, `BoundedSemaphore` or
    `Barrier`, or a `queue.Queue`, `LifoQueue`, `PriorityQueue` or `SimpleQueue`, sent to another
    process: in `args=`/`kwargs=` of a `Process`, in `initargs=` of a pool, or as an argument of a
    pool or `ProcessPoolExecutor` task.

    ## Why is this bad?
    These objects live in one process's memory. Under `spawn` and `forkserver`, and for every pool
    task, they must be pickled and fail with `TypeError: cannot pickle '_thread.lock' object`. Under
    `fork` the child gets a private copy: the lock synchronises nothing, and what the child puts in
    the queue never reaches the parent. `multiprocess` and `pathos` pools (they pickle with dill) make
    that copy under every start method, without an error.

    ## Example
    ```python
    import multiprocessing
    import queue

    def produce(results):
        results.put("hello")

    if __name__ == "__main__":
        results = queue.Queue()
        p = multiprocessing.Process(target=produce, args=(results,))
        p.start()  # TypeError under spawn; an empty queue in the parent under fork
        p.join()
    ```

    ## Use instead
    ```python
    import multiprocessing

    def produce(results):
        results.put("hello")

    if __name__ == "__main__":
        results = multiprocessing.Queue()
        p = multiprocessing.Process(target=produce, args=(results,))
        p.start()
        print(results.get())
        p.join()
    ```

    ## Concept
    [6. Pickling and start methods](docs/concepts.md#6-pickling-and-start-methods)

    ## Reproduction
    `pvt-lint --repro PVT104` hands a `queue.Queue` and a `threading.Lock` to child processes and
    shows the empty queue under fork and the pickling error under spawn and forkserver;
    `pvt-lint --repro PVT104 --fixed` uses `multiprocessing.Queue` and `multiprocessing.Lock`.

    ## Known limitations
    `--fix --unsafe-fixes` makes a primitive bound to a name by a call in this module with the process
    API instead (`lock = mp.Lock()`), spelled through what the module imports; it is unsafe (a process
    lock is slower and a process queue pickles what it carries), and absent when the name also goes to
    pool tasks, which accept neither. Only objects written at the dispatch call, or bound to a name or to `self.x` in the same module,
    are recognised, one container level deep (`args=(lock,)`, `kwargs={"q": q}`). Objects stored
    inside other objects (`args=(state,)` where `state.lock` is a `threading.Lock`) are seen only with
    project facts (a run on the project, or on a file of it), and only for an instance of a project class
    whose `__init__` or class body stores the primitive in an attribute: sent as an argument, as the
    instance of a bound-method target (`target=fetcher.fetch`), or as a `Process` subclass, which `start()`
    pickles whole under spawn wherever it is started (reported at the class when no module of the
    project is seen to start it; a primitive its `run` makes is the child's own). For a `Process` or initializer that names no start method the message
    names what the configured defaults do (only "a private copy under fork" for a Linux-only program
    below Python 3.14).
    """

    CODE = "PVT104"
    NAME = "thread-primitive-to-process"
    MESSAGE = "`{name}` (a `{kind}`) passed to `{api}` {effect}; use `{instead}`"
    CONCEPT = "6-pickling-and-start-methods"
    VALID = (
        # multiprocessing primitives are made for this.
        """
import multiprocessing
def work(lock, q):
    with lock:
        q.put(1)
if __name__ == "__main__":
    lock, q = multiprocessing.Lock(), multiprocessing.Queue()
    multiprocessing.Process(target=work, args=(lock, q)).start()
""",
        # Near miss: thread primitives handed to threads share the one process's memory.
        """
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
def work(lock, q):
    with lock:
        q.put(1)
lock, q = threading.Lock(), queue.Queue()
threading.Thread(target=work, args=(lock, q)).start()
with ThreadPoolExecutor() as ex:
    ex.submit(work, lock, q)
""",
        # Near miss: Manager objects are proxies that pickle, for pool tasks too.
        """
import multiprocessing
def work(lock, q, n):
    with lock:
        q.put(n)
if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        lock, q = manager.Lock(), manager.Queue()
        with multiprocessing.Pool() as pool:
            pool.starmap(work, [(lock, q, n) for n in range(3)])
""",
    )
    INVALID = (
        """
import multiprocessing
import queue
def produce(results):
    results.put("hello")
if __name__ == "__main__":
    results = queue.Queue()
    p = multiprocessing.Process(target=produce, args=(results,))  # expect: PVT104
    p.start()
""",
        # A lock on self, sent as a kwargs value through a spawn context.
        """
import multiprocessing
import threading
def work(lock=None):
    pass
class Service:
    def __init__(self):
        self.lock = threading.RLock()
    def start(self):
        ctx = multiprocessing.get_context("spawn")
        ctx.Process(target=work, kwargs={"lock": self.lock}).start()  # expect: PVT104
""",
        # An Event as a pool initializer argument.
        """
from multiprocessing import Pool
from threading import Event
stop = None
def init(event):
    global stop
    stop = event
def work(n):
    return n
def main():
    event = Event()
    with Pool(2, init, (event,)) as pool:  # expect: PVT104
        return pool.map(work, range(3))
""",
    )

    def check(self, model: ModuleModel) -> None:
        # A name also sent to pool tasks gets no fix: a process queue or lock cannot be a task's argument
        # either (multiprocessing refuses it), so the replacement would only move the bug.
        pooled = {name for s in model.dispatches if s.context == PROCESS and s.pool and s.role != "initializer"
                  for name in _names_in(s.call.args)}
        for site in model.dispatches:
            if site.context != PROCESS or model.never_started(site):
                continue
            scope = model.scope_of(site.caller)
            for expr in sent_values(site):
                value = model.value_at(expr, scope)
                kind = value[:-2] if value and value.endswith("()") else None
                if kind not in THREAD_PRIMITIVES:
                    continue
                tasks = site.pool and site.role != "initializer"
                if dill_pickled(site.api):
                    effect = "is copied by dill and shares nothing"
                elif tasks:
                    effect = "fails to pickle"
                else:
                    effect = _effect(model, site)
                if tasks:
                    instead = in_family(site.api, f"multiprocessing.Manager().{_short(kind)}()")
                else:
                    instead = in_family(site.api, THREAD_PRIMITIVES[kind])
                api = display(site.api)
                self.report(
                    site.line,
                    site.column,
                    self.MESSAGE.format(name=quote(expr), kind=kind, api=api, effect=effect, instead=instead),
                    end=(site.end_line, site.end_column),
                    fix=None if tasks or quote(expr) in pooled else _primitive_fix(model, site, expr, scope, instead),
                )
                break  # one finding per dispatch call
        for site, send, tasks in unfit_sends(model, _UNFIT):
            where = other_path(model, self.path, send.attribute_module)
            effect = "fails to pickle" if tasks else _effect(model, site)
            cls = display_key(send.cls)
            if send.how == "started process":
                message = _STARTED_MESSAGE.format(attribute=send.attribute, cls=cls, effect=effect)
            else:
                how = "its target" if send.how == "bound-method target" else "an argument"
                message = _PROJECT_MESSAGE.format(attribute=send.attribute, cls=cls, how=how,
                                                  api=display(site.api), effect=effect)
            self.report(
                site.line,
                site.column,
                message,
                end=(site.end_line, site.end_column),
                related=(Related(send.attribute_line, 0, f"`self.{send.attribute}` is set here", where),),
            )


def _primitive_fix(model: ModuleModel, site: DispatchSite, expr: cst.BaseExpression, scope,
                   instead: str) -> Optional[Fix]:
    """Unsafe: the call that made the primitive (``lock = threading.Lock()``) makes the process one
    instead. A ``Process`` made from a context (``ctx.Process``) gets the context's (``ctx.Lock``), and no
    fix unless ``ctx`` is bound before the primitive is made, in the same function: a primitive of another
    context does not pickle for it. Otherwise it is spelled with a name the module already imports
    (``multiprocessing.Lock`` through ``import multiprocessing`` or ``mp``, or ``Lock`` from ``from
    multiprocessing import Lock``). None when the name has no single call binding it or nothing imported
    spells the replacement."""
    if not isinstance(expr, cst.Name) or not instead.endswith("()"):
        return None
    found = model.lookup(expr.value, scope)
    call = found[1][1] if found is not None else None
    if not isinstance(call, cst.Call) or call.args:
        return None
    wanted = instead[:-2]
    module, _, attribute = wanted.rpartition(".")
    name = spelled(model, wanted)
    context = _context(model, site, scope)
    if context is not None and module == "multiprocessing":
        bound = context[1]
        # A primitive of another context does not pickle for this one: the context's own, or no fix.
        usable = bound[0] == found[0] and model.position(bound[1][1]).end.line < model.position(call).start.line
        name = f"{context[0]}.{attribute}" if usable else None
    if name is None:
        return None
    where = model.position(call.func)
    edit = Edit(where.start.line, where.start.column, where.end.line, where.end.column, name)
    return Fix(f"Make it with `{name}()`", UNSAFE, (edit,))


# What a context's name is bound to, as the model reads it (``get_context(...)`` reads as its module).
_CONTEXTS = frozenset({*MULTIPROCESSING_ALIASES, *MULTIPROCESSING_ALIASES.values()})


def _context(model: ModuleModel, site: DispatchSite, scope):
    """``(name, binding)`` of the multiprocessing context ``site`` makes its process from (``ctx`` of
    ``ctx.Process(...)``, its binding as ``model.lookup`` gives it), or None."""
    func = site.call.func
    if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
        return None
    found = model.lookup(func.value.value, scope)
    return (func.value.value, found) if found is not None and found[1][0] in _CONTEXTS else None


def _names_in(nodes) -> set[str]:
    """Every name read anywhere in ``nodes`` (a comprehension's elements too)."""
    out, stack = set(), list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            out.add(node.value)
        stack.extend(code_children(node))
    return out


def _effect(model: ModuleModel, site: DispatchSite) -> str:
    """What happens to a primitive in a ``Process``'s arguments or a pool's ``initargs``: under the start
    method the dispatch names the usual words, under the defaults only those the configuration meets."""
    if model.start_method(site):
        return _SPAWN_AND_FORK
    methods = model.default_start_methods
    effects = []
    if "spawn" in methods or "forkserver" in methods:
        effects.append(f"fails to pickle under {'spawn' if 'spawn' in methods else 'forkserver'}")
    if "fork" in methods:
        effects.append("is a private copy under fork")
    return " and ".join(effects)


_SPAWN_AND_FORK = "fails to pickle under spawn and is a private copy under fork"


def _short(kind: str) -> str:
    name = kind.rsplit(".", 1)[-1]
    return "Lock" if name == "allocate_lock" else ("Queue" if "Queue" in name else name)
