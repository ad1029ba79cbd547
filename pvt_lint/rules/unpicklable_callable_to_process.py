"""PVT102: a lambda or a nested function sent to another process, which must pickle it."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ..model import PROCESS, DispatchSite, ModuleModel
from ..apis import UNPICKLABLE_OBJECTS, display, pickles_by_value
from ..findings import Related
from ..model.cross_module import other_path, unfit_sends
from ..model.project_facts import display as display_key
from ..model.start_methods import re_importing
from ..model.summary import LAMBDA_ATTR, NESTED_ATTR, UNPICKLABLE_ATTR
from .base import Rule
from .hoist_fixes import hoist_fix

_UNFIT = frozenset((LAMBDA_ATTR, NESTED_ATTR, UNPICKLABLE_ATTR))
_UNFIT_THINGS = {LAMBDA_ATTR: "a lambda", NESTED_ATTR: "a nested function"}
from .quoting import quote
from .sent import keeps_local_callable, sent_values

_UNPICKLABLE = ("lambda", "nested", "lambda-name", "wrapped")
_ROLES = ("target", "map", "submit", "initializer")


class UnpicklableCallableToProcess(Rule):
    """Lambda or nested function sent to a process, which cannot pickle it.

    ## What it does
    Flags a lambda, a function defined inside another function, a lambda bound to a name, or a function
    whose decorator puts a nested function in its place (one that returns its inner `def` without
    `functools.wraps`), sent to another process; and a value sent along with the callable that keeps
    one, such as a `defaultdict` whose default factory is a lambda, or an instance of a class made inside
    a function (a `class` statement or `namedtuple()` there): as a `Process` `target`, as the callable of any `multiprocessing.Pool` method, of
    `ProcessPoolExecutor.submit`/`map`, or as a pool's `initializer`. Also one passed to a project
    function that hands that parameter to a process itself (`tasks.add_task(read_process)`, where
    `add_task` starts `Process(target=..., args=(task_func,))`, in this module or another).

    ## Why is this bad?
    Everything sent to another process is pickled, and pickle stores a function by its importable
    qualified name. A lambda (`<lambda>`) or a nested function (`outer.<locals>.inner`) has none, so
    sending it fails with `PicklingError` or `AttributeError: Can't pickle local object`: always for
    pool and executor tasks, and for a `Process` target or a pool `initializer` under `spawn` and
    `forkserver`, the defaults on macOS, Windows and, since Python 3.14, Linux.

    ## Example
    ```python
    from concurrent.futures import ProcessPoolExecutor

    if __name__ == "__main__":
        with ProcessPoolExecutor() as pool:
            print(list(pool.map(lambda x: x * x, [1, 2, 3])))  # PicklingError
    ```

    ## Use instead
    ```python
    from concurrent.futures import ProcessPoolExecutor

    def square(x):
        return x * x

    if __name__ == "__main__":
        with ProcessPoolExecutor() as pool:
            print(list(pool.map(square, [1, 2, 3])))
    ```

    ## Concept
    [6. Pickling and start methods](docs/concepts.md#6-pickling-and-start-methods)

    ## Reproduction
    `pvt-lint --repro PVT102` sends a lambda to a process pool and a nested function to a spawned
    process, and shows both failing to pickle; `pvt-lint --repro PVT102 --fixed` uses module-level
    functions and a `functools.partial` of one.

    ## Known limitations
    Only callables written at the dispatch call, or bound to a name in the same module, are judged. A
    decorator is judged when it is a plain function of the same module whose body returns an undecorated
    nested `def` and copies no name (`update_wrapper`, `__qualname__`); decorator factories (`@retry(3)`)
    and imported decorators are not. A `defaultdict` or an instance is judged when it is made at the
    dispatch, bound to a name in the sending function, or returned by a function of the module called
    there (any `return`, or one element of the tuple it returns).
    A `Process` target or pool initializer whose context names the `fork` start method, or that uses the
    default context of a module that calls `set_start_method("fork")`, is not reported (fork does not
    pickle them); a start method set in another module is not seen. One that names no start method is
    judged under the defaults the configuration meets (`platforms`, `target-version`, `requires-python`):
    a Linux-only program below Python 3.14 meets only fork, and its targets are not reported; a callable
    handed to another module's helper is judged under every method. `loky` executors (cloudpickle)
    and `multiprocess` and `pathos` pools (dill) pickle lambdas and nested functions by value and are
    not reported. Methods of classes defined inside
    functions are not reported, nor is a `Process` bound to a name in a function that never calls
    `.start()` (nothing is pickled until then). With project facts, an instance of a project class whose
    `__init__` or class body stores a lambda or nested function in an attribute, or whose `__init__`
    stores an object pickle refuses (a boto3 client or resource, an sqlite3 connection, an open file;
    made there or returned by a function of its module), is reported when sent to a process: as an
    argument, as the instance of a bound-method target (`self.method` too, not a static method), or as
    a started `Process` subclass. Only names bound at the dispatch's function are typed. `--fix` moves a nested function, or an inline lambda (as
    `def _<function>_task`), that captures nothing to module level above its function; it is safe
    and offered only for a plain module-level function around it, an undecorated `def` whose name is
    free at module level, and no string over several lines. What reads a local of the function around
    it (defaults included) gets no fix: turning captures into arguments changes calls.
    """

    CODE = "PVT102"
    NAME = "unpicklable-callable-to-process"
    MESSAGE = "{what} cannot be pickled, and `{api}` pickles {what_is_pickled}"
    CONCEPT = "6-pickling-and-start-methods"
    VALID = (
        # A module-level function and a functools.partial of one pickle by name.
        """
import functools
from multiprocessing import Pool
def power(x, e):
    return x ** e
if __name__ == "__main__":
    with Pool() as pool:
        pool.map(power, [1, 2])
        pool.map(functools.partial(power, e=2), [1, 2])
""",
        # Threads do not pickle anything.
        """
import threading
from concurrent.futures import ThreadPoolExecutor
def main():
    def inner():
        pass
    threading.Thread(target=inner).start()
    with ThreadPoolExecutor() as ex:
        ex.submit(lambda: 1)
""",
        # Near miss: builtins and static methods of module-level classes pickle by name.
        """
from concurrent.futures import ProcessPoolExecutor
class Maths:
    @staticmethod
    def square(x):
        return x * x
def main():
    with ProcessPoolExecutor() as ex:
        ex.map(abs, [-1, 2])
        ex.map(Maths.square, [1, 2])
""",
    )
    INVALID = (
        # Spawn set for the module: the nested target must be pickled. Pool tasks are pickled even under fork.
        """
import multiprocessing
def main():
    def child():
        print("hi")
    multiprocessing.Process(target=child).start()  # expect: PVT102
if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    main()
""",
        """
import multiprocessing
def main():
    with multiprocessing.Pool() as pool:
        pool.map(lambda x: x, [1])  # expect: PVT102
if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    main()
""",
        """
from concurrent.futures import ProcessPoolExecutor
if __name__ == "__main__":
    with ProcessPoolExecutor() as pool:
        print(list(pool.map(lambda x: x * x, [1, 2, 3])))  # expect: PVT102
""",
    )

    def check(self, model: ModuleModel) -> None:
        for site, every_task, methods in _pickled(model):
            if site.role not in _ROLES or site.form not in _UNPICKLABLE:
                continue
            fn = model.function(site.target)
            related: tuple[Related, ...] = ()
            if site.form == "nested" and fn is not None:
                outer = model.function(fn.parent)
                what = f"nested function `{outer.name if outer else fn.parent}.{fn.name}` (defined at line {fn.line})"
            elif site.form == "wrapped" and fn is not None:
                decorator, _, inner = site.wrapper.partition(".<locals>.")
                what = f"`{fn.name}` (`@{decorator}`'s nested `{inner}`)"
                wrapper = model.function(site.wrapper)
                if wrapper is not None:
                    related = (Related(wrapper.line, wrapper.column, f"`@{decorator}` puts `{inner}` in place of `{fn.name}`"),)
            elif site.form == "lambda-name":
                defined = f" (defined at line {fn.line})" if fn is not None else ""
                what = f"lambda `{_text(model, site.callable_node)}`{defined}"
            else:
                what = "the lambda"
            what_is_pickled = "every task" if every_task else f"its {site.role} under {methods}"
            api = display(site.api)
            self.report(
                site.line,
                site.column,
                self.MESSAGE.format(what=what, api=api, what_is_pickled=what_is_pickled),
                end=(site.end_line, site.end_column),
                related=related,
                fix=hoist_fix(model, site),
            )
        self._kept_callables(model)
        for site, send, tasks in unfit_sends(model, _UNFIT):
            thing = _UNFIT_THINGS.get(send.kind) or UNPICKLABLE_OBJECTS.get(send.value.removesuffix("()"), "")
            thing = thing or f"what `{send.value}` returns"
            where = other_path(model, self.path, send.attribute_module)
            how = {"started process": "the started process", "bound-method target": "the target's instance"}
            what = f"{thing} in `{display_key(send.cls)}.{send.attribute}` ({how.get(send.how, 'an argument')})"
            role = {"run": "process object", "target": "arguments" if send.how == "argument" else "target"}
            pickled = "every task" if tasks else f"its {role.get(site.role, site.role)} under {_pickling(model, site)}"
            api = f"{display(site.api)}.start()" if site.role == "run" else display(site.api)
            self.report(
                site.line,
                site.column,
                self.MESSAGE.format(what=what, api=api, what_is_pickled=pickled),
                end=(site.end_line, site.end_column),
                related=(Related(send.attribute_line, 0, f"`self.{send.attribute}` is set here", where),),
            )
        self._check_helper_sends(model)

    def _check_helper_sends(self, model: ModuleModel) -> None:
        """A lambda or nested function passed to a project function that sends that parameter to a
        child process (``tasks.add_task(read_process)``, the Process started in another module)."""
        sends = model.project.helper_sends
        if not sends:
            return
        calls: dict = {}
        for c in model.calls:  # `Tasks().add_task(...)` and `Tasks()` start at one place
            calls.setdefault((c.line, c.column), []).append(c)
        for send in sends:
            callee = send.callee.rpartition(":")[2].rpartition(".")[2]
            here = [c for c in calls.get((send.line, send.column), ()) if _called_name(c.node) == callee]
            call = here[0] if len(here) == 1 else None
            value = _argument(call.node, send) if call is not None else None
            what = _unpicklable(model, value, call.scope) if value is not None else None
            if what is None:
                continue
            pickled = "with every task" if send.every_task else "under spawn and forkserver"
            where = other_path(model, self.path, send.site_module)
            self.report(
                call.line,
                call.column,
                self.MESSAGE.format(what=what, api=display_key(send.callee), what_is_pickled=f"its `{send.name}` {pickled}"),
                end=(model.position(call.node).end.line, model.position(call.node).end.column),
                related=(Related(send.site_line, 0, f"`{send.name}` is sent to a child process here", where),),
            )

    def _kept_callables(self, model: ModuleModel) -> None:
        """Values sent along that keep a lambda or a nested function (a ``defaultdict(lambda: 0)``)."""
        for site, every_task, methods in _pickled(model):
            for expr in sent_values(site):
                kept = keeps_local_callable(model, expr, site.caller)
                if kept is not None:
                    pickled = "every task" if every_task else f"its arguments under {methods}"
                    what = f"`{quote(expr)}` ({kept})"
                    self.report(site.line, site.column,
                                self.MESSAGE.format(what=what, api=display(site.api), what_is_pickled=pickled),
                                end=(site.end_line, site.end_column))
                    break  # one finding per dispatch call


def _pickled(model: ModuleModel) -> Iterator[tuple[DispatchSite, bool, str]]:
    """The process dispatches that pickle what they send: (site, whether every task is pickled (pool tasks
    are, under every method), else the start methods under which its target and arguments are)."""
    for site in model.dispatches:
        if site.context != PROCESS or pickles_by_value(site.api) or model.never_started(site):
            continue
        every_task = site.pool and site.role != "initializer"
        methods = "" if every_task else _pickling(model, site)
        if every_task or methods:  # only fork starts it otherwise: nothing is pickled
            yield site, every_task, methods


def _pickling(model: ModuleModel, site) -> str:
    """The start methods under which a ``Process`` target or pool initializer is pickled, as the message
    names them: a context that names spawn or forkserver keeps the usual words, a default dispatch names
    the defaults the configuration meets ("" when they are all fork)."""
    named = model.start_method(site)
    pickling = re_importing(model.methods_met(named))
    return "spawn and forkserver" if named and pickling else pickling


def _called_name(call: cst.Call) -> str:
    func = call.func
    return func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""


def _argument(call: cst.Call, send) -> cst.BaseExpression | None:
    """What ``call`` passes as the helper's parameter ``send.name``: by keyword, or by position (``self``
    not passed when a method is called on an instance). None past a ``*args``."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == send.name:
            return arg.value
    index = send.position
    if send.cls and not (isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name)
                         and call.func.value.value == send.cls.rpartition(".")[2]):
        index -= 1
    positional = []
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            break
        positional.append(arg.value)
    return positional[index] if 0 <= index < len(positional) else None


def _unpicklable(model: ModuleModel, value: cst.BaseExpression, scope) -> str | None:
    """How a message names ``value`` when it is a lambda or a nested function, else None."""
    if isinstance(value, cst.Lambda):
        return "the lambda"
    qualname = model.scopes.callee(value, scope) if isinstance(value, cst.Name) else None
    fn = model.function(qualname) if qualname else None
    if fn is None or fn.class_qualname or not (fn.parent or fn.is_lambda):
        return None
    if fn.is_lambda:
        return f"lambda `{value.value}` (defined at line {fn.line})"
    outer = model.function(fn.parent)
    return f"nested function `{outer.name if outer else fn.parent}.{fn.name}` (defined at line {fn.line})"


def _text(model: ModuleModel, node) -> str:
    if isinstance(node, cst.Call) and node.args:
        node = node.args[0].value
    return quote(node) if node is not None else "?"
