"""PVT105: a module global the parent sets after import, read by code that runs in a child process.

The rule joins three facts, each a query of the model (``model/parent_child.py``) for one module, or
of the project facts (``model.project``) across modules: who sets a global in the parent after
import, who reads it in a child process and through which dispatch, and what the children set
themselves.
"""

from __future__ import annotations

from ..findings import Related
from ..model import ModuleModel
from ..model.cross_module import other_path
from ..model.parent_child import (
    PER_PROCESS_VALUES,
    ChildRead,
    ParentWrite,
    bound_at_import,
    child_code,
    child_reads,
    child_writes,
    first_read,
    parent_writes,
)
from ..model.project_facts import display
from ..model.start_methods import EVERY_METHOD, re_importing
from .base import Rule

_MAX_MESSAGE = 160
_VERBS = {"store": "set", "item-store": "filled", "mutate": "filled", "rmw": "updated", "delete": "changed"}


class GlobalSetInParentReadInChild(Rule):
    """Module global set by the parent after import and read in a child process.

    ## What it does
    Flags code that runs in a child process (a `Process` target, a pool task or initializer, and the
    functions of the module they call) reading a module global that the parent sets, rebinds or fills
    at run time: in a function such as `main()`, or in the `if __name__ == "__main__":` block.

    ## Why is this bad?
    Under `fork` the child starts as a copy of the parent, so it sees what the parent wrote. Under
    `spawn` (the default on macOS and Windows) and `forkserver` (the default on Linux since Python 3.14)
    the child is a fresh interpreter that imports the module again, as `__mp_main__` for the main
    script, so the main guard does not run, and nor does `main()`. The child reads the import-time
    value: `None`, an empty dict, the defaults. The program works on Linux up to 3.13 and silently gives
    wrong results on a Mac. The finding is at the child's first read, where the wrong value is used and
    what the fix changes: the code there must receive the value instead, as an argument, or from the
    pool's `initializer` and `initargs`. The parent may set the global in several places; the message
    names the first, and the dispatch that starts the child is a related location.

    ## Example
    ```python
    import sys
    from multiprocessing import Pool

    SCALE = 1

    def work(n):
        return n * SCALE

    def main():
        global SCALE
        SCALE = int(sys.argv[1])
        with Pool(2) as pool:
            print(pool.map(work, range(4)))

    if __name__ == "__main__":
        main()
    ```

    ## Use instead
    ```python
    import sys
    from multiprocessing import Pool

    SCALE = 1

    def set_scale(scale):
        global SCALE
        SCALE = scale

    def work(n):
        return n * SCALE

    def main():
        with Pool(2, initializer=set_scale, initargs=(int(sys.argv[1]),)) as pool:
            print(pool.map(work, range(4)))

    if __name__ == "__main__":
        main()
    ```

    ## Concept
    [The other way round: what the parent wrote after moving in](docs/concepts.md#the-other-way-round-what-the-parent-wrote-after-moving-in)

    ## Reproduction
    `pvt-lint --repro PVT105` sets a global in the main guard and shows a spawned pool worker reading
    its import-time value; `pvt-lint --repro PVT105 --fixed` passes it through `initializer`/`initargs`.

    ## Known limitations
    With project facts, a global of another module (`config.DEBUG = True` after `import config`), a
    child target imported from another module, and `fork` set by the program's entry module are seen;
    a set counts only when its function, or one calling it, starts processes (a test that sets a
    library's global is another program). The parent's writes count when they
    are in the main guard or in a function that is not only called at import time (a function nobody in
    the module calls, such as a console-script `main` or a test's `setUpModule`, counts). Not reported:
    a global that child code sets or fills itself (a pool initializer, also one kept as a
    `functools.partial` in a name; a lazy per-process cache such as flake8's `if _mp is None:` in its
    initializer); one named whole among the values sent with the dispatch (`args`, `kwargs`, `initargs`,
    a `functools.partial`'s arguments, the items of a `map`: sending `ARGS.images` does not send `ARGS`);
    a dispatch through `get_context("fork")`, a pool built on one (also through `mp_context=` or a
    context kept on `self`), or in a module that calls `set_start_method("fork")`, or one that names no
    start method when the configuration's defaults are all fork (`platforms = ["linux"]` and a
    `requires-python` below 3.14); `threading.local`
    and logger globals, which are per process by design. A start method chosen at run time (from the
    command line, or `if get_start_method() == "fork":`) is not followed. A target method on an object of
    no known type (`pool.apply_async(image.process)`, `image` taken out of a queue) is the one method of
    that name the module's classes define, unless builtin or standard-library objects have a method of
    that name too (`run`, `get`, `send`) or an imported function made the object. Unlike PVT101, a global that
    `main()` points at a `multiprocessing.Lock`, `Value` or `Manager` proxy *is* reported: a spawned
    child never gets that object, it finds the import-time `None`. Updating through a global in the
    child (`done.value += 1`) is a write, not a read, so it alone is not reported. One finding per
    global, at its first read in child code.
    """

    CODE = "PVT105"
    NAME = "global-set-in-parent-read-in-child"
    MESSAGE = ("`{name}` is {verb} in the parent at line {line} but read by {reader}; under {methods} {outcome}")
    CONCEPT = "the-other-way-round-what-the-parent-wrote-after-moving-in"
    VALID = (
        # Threads share the parent's memory: a thread target sees what main() set.
        """
import threading
CONFIG = {}
def work():
    return CONFIG["mode"]
def main():
    CONFIG["mode"] = "fast"
    t = threading.Thread(target=work)
    t.start()
    t.join()
""",
        # Near miss: the value travels in args, and the target reads its parameter.
        """
import multiprocessing
CONFIG = {}
def work(config):
    return config["mode"]
def main():
    CONFIG["mode"] = "fast"
    p = multiprocessing.Process(target=work, args=(CONFIG,))
    p.start()
""",
        # Near miss: the pool initializer sets the global in every worker from initargs.
        """
import multiprocessing
LIMIT = 10
def init(limit):
    global LIMIT
    LIMIT = limit
def work(n):
    return min(n, LIMIT)
if __name__ == "__main__":
    LIMIT = 3
    with multiprocessing.Pool(2, initializer=init, initargs=(LIMIT,)) as pool:
        print(pool.map(work, range(5)))
""",
        # Near miss: fork is asked for explicitly, so the child is a copy of the parent.
        """
import multiprocessing
VERBOSE = False
def work(n):
    if VERBOSE:
        print(n)
def main():
    global VERBOSE
    VERBOSE = True
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(work, range(3))
""",
    )
    INVALID = (
        """
import multiprocessing
VERBOSE = False
def work(n):
    if VERBOSE:  # expect: PVT105
        print(n)
def main():
    global VERBOSE
    VERBOSE = True
    with multiprocessing.Pool(2) as pool:
        pool.map(work, range(3))
""",
        # Set in the main guard and read by a Process target through a helper.
        """
from multiprocessing import Process
settings = {"depth": 1}
def depth():
    return settings["depth"]  # expect: PVT105
def crawl(url):
    print(url, depth())
if __name__ == "__main__":
    settings = {"depth": 3}
    Process(target=crawl, args=("https://example.org",)).start()
""",
        # Filled by main() and read by tasks of a spawn-context executor (near miss: the parameter
        # `scale` is not the global).
        """
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
REGISTRY = {}
def handle(kind, scale):
    return REGISTRY[kind] * scale  # expect: PVT105
def main(plugins):
    REGISTRY.update(plugins)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as ex:
        return ex.submit(handle, "png", 2).result()
""",
    )

    def check(self, model: ModuleModel) -> None:
        self._check_project(model)
        child = child_code(model)
        if not child:
            return
        writes: dict[str, list[ParentWrite]] = {}
        for write in parent_writes(model, child):
            writes.setdefault(write.name, []).append(write)
        skip = child_writes(model, child)
        for name in sorted(writes):
            if name in skip or not _parent_state(model, name):
                continue
            reads = [r for r in child_reads(model, name, child) if re_importing(model.methods_met(r.start_method))]
            if not reads:
                continue
            read = min(reads, key=lambda r: (r.line, r.column))
            write = min(writes[name], key=lambda w: (w.line, w.column))
            self.report(
                read.line,
                read.column,
                message(self.MESSAGE, write, read, bound_at_import=bound_at_import(model, name),
                        defaults=model.default_start_methods),
                end=(read.end_line, read.end_column),
                related=(
                    Related(write.line, write.column, f"`{name}` is {write.verb} here, in the parent, after import"),
                    Related(read.site_line, read.site_column, f"`{read.target}` is sent to a child process here"),
                ),
            )


    def _check_project(self, model: ModuleModel) -> None:
        """Reads in this module's child code of globals that parent code sets, where the global, the
        dispatch or the setter is in another module (this module's own case is judged below)."""
        facts = model.project
        own = facts.module
        if not facts.child_reads or "fork" in facts.program_start_methods:
            return
        sets: dict[tuple[str, str], list] = {}
        for found in facts.global_sets:
            if not found.starting:
                continue  # set by code that starts no processes (a test of the library): another program
            sets.setdefault((found.module, found.name), []).append(found)
        done: set[tuple[str, str]] = set()
        for read in sorted(facts.child_reads, key=lambda r: (r.module, r.name, r.reader)):
            key = (read.module, read.name)
            site = read.reason.site
            setters = sets.get(key, [])
            if (key in done or not setters or read.set_by_initializer
                    or not re_importing(model.methods_met(site.start_method or None))):
                continue
            if read.module == own and site.module == own and all(s.setter.startswith(own + ":") for s in setters):
                continue  # one module: the local check judges it
            if read.module != own and _kept_by_its_module(read, setters):
                continue
            fn = model.function(read.reader.partition(":")[2])
            node = first_read(model, fn.node, read.name, attribute=read.module != own) if fn else None
            if node is None:
                continue
            done.add(key)
            setter = min(setters, key=lambda s: (s.setter, s.line))
            setter_module = setter.setter.partition(":")[0]
            setter_path = other_path(model, self.path, setter_module) if setter_module != own else ""
            where = f"{setter_path or setter_module}:{setter.line}" if setter_module != own else f"line {setter.line}"
            target = display(read.reason.chain[0])
            text = _PROJECT_MESSAGE.format(name=read.name, verb=_VERBS.get(setter.kind, "set"), where=where,
                                           reader=f"`{target}`, sent to a child at {site.where}")
            if len(text) > _MAX_MESSAGE:
                text = _PROJECT_MESSAGE.format(name=read.name, verb=_VERBS.get(setter.kind, "set"), where=where,
                                               reader=f"a child started at {site.where}")
            position = model.position(node)
            self.report(
                position.start.line,
                position.start.column,
                text,
                end=(position.end.line, position.end.column),
                related=(
                    Related(setter.line, 0, f"`{read.name}` is {_VERBS.get(setter.kind, 'set')} here, in the parent",
                            setter_path),
                    Related(site.line, site.column, f"`{target}` is sent to a child process here",
                            site.path if site.module != own else ""),
                ),
            )


def _kept_by_its_module(read, setters) -> bool:
    """A private global of another module that only its own module's functions fill (a registry such as
    ``util._afterfork_registry``, filled by ``util.register_after_fork``): the module keeps it per
    process, and a child's code reaching past its interface to read it is introspection, not a value
    the program meant to hand over (multiprocess's tests count the after-fork registry in a child)."""
    private = read.name.startswith("_") and not read.name.startswith("__")
    return private and all(s.setter.partition(":")[0] == read.module for s in setters)


_PROJECT_MESSAGE = ("`{name}` is {verb} in the parent at {where} but read by {reader};"
                    " spawned children see the import-time value")


def message(template: str, write: ParentWrite, read: ChildRead, bound_at_import: bool,
            defaults: frozenset[str] = EVERY_METHOD) -> str:
    """One sentence of at most 160 characters; a long target name gives way to "a child process" (the
    dispatch is a related location of the finding either way). A dispatch that names no start method
    names the configured defaults that re-import the module."""
    methods = read.start_method if read.start_method in ("spawn", "forkserver") else (
        "spawn or forkserver" if read.start_method else re_importing(defaults, "or"))
    outcome = "it sees the import-time value" if bound_at_import else "it is not defined there"
    fields = dict(name=write.name, verb=write.verb, line=write.line, methods=methods, outcome=outcome)
    text = template.format(reader=f"child process target `{read.target}`", **fields)
    return text if len(text) <= _MAX_MESSAGE else template.format(reader="a child process", **fields)



def _parent_state(model: ModuleModel, name: str) -> bool:
    binding = model.module_names.get(name)
    if binding is None or binding.kind in ("import", "def", "class"):
        return False
    value = model.value_of(name)
    return not (value and value.split("()", 1)[0] in PER_PROCESS_VALUES)
