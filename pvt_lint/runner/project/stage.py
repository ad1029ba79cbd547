"""The project stage: join every module's summary into the facts each module's rules need.

Pure functions from ``{module name: ModuleSummary}`` to ``ProjectFacts`` (``model/project_facts.py``).
Deterministic (the facts do not depend on the order modules come in: everything is sorted before it
is walked), bounded (chains stop at ``MAX_DEPTH`` calls, a function keeps at most ``MAX_REASONS``
reasons per context) and cycle-safe (every walk is a breadth-first search with a seen set, so
``a -> b -> a`` ends and the chain kept is a shortest one).

The stage reads names only: an import that leads outside the project is a dead end, and a name it
cannot resolve is left alone (precision first).
"""

from __future__ import annotations

from collections import deque
from typing import Iterable, Mapping, Optional

from ... import apis
from ...model.project_facts import (
    ChildRead, CpuSend, CpuWork, FunctionFacts, GlobalSet, ImportTimeStart, ModuleFacts, ProjectFacts, Reason,
    SharedClass, Site, Starter,
)
from ...model.summary import IMPORT_TIME, MAIN, ModuleSummary
from .resolve import Resolver
from .sends import helper_sends, unfit_sends

MAX_DEPTH = 12  # calls in a chain
MAX_REASONS = 3  # reasons kept per function and context
_NOT_STARTING = frozenset({"sets the start method"})


def project_facts(
    summaries: Mapping[str, ModuleSummary], extra_starters: Iterable[str] = (),
    paths: Optional[Mapping[str, str]] = None,
) -> ProjectFacts:
    """Facts for every module of ``summaries``. ``extra_starters`` are qualified names of the user's
    own process starters (the ``[tool.pvt-lint]`` key, wired later); ``paths`` maps a module to the
    path messages show for it (root-relative, from the layout)."""
    return _Stage(summaries, frozenset(extra_starters), paths or {}).run()


class _Stage:
    def __init__(self, summaries: Mapping[str, ModuleSummary], extra_starters: frozenset[str], paths) -> None:
        self.r = Resolver(summaries)
        self.extra_starters = extra_starters
        self.paths = paths
        self.edges, self.callers = self._call_graph()

    # ---- the call graph ---------------------------------------------------------------------
    def _call_graph(self):
        edges: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
        private: set[tuple[str, str]] = set()
        shared: set[tuple[str, str]] = set()
        callers: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
        for key in self.r.function_keys():
            module = key.partition(":")[0]
            out = []
            for call in self.r.functions[key].calls:
                callee = self.r.function_of(call.target, module)
                if callee is not None and callee != key:
                    out.append((callee, call.line, call.locks))
                    (private if call.private else shared).add((key, callee))
            edges[key] = sorted(set(out))
            for callee, line, locks in edges[key]:
                callers.setdefault(callee, []).append((key, line, locks))
        # Edges every call of which goes through an object the caller made itself: the callee's ``self``
        # is that caller's own, so a thread reaching the caller does not share it.
        self.private_edges = private - shared
        return edges, {k: sorted(v) for k, v in callers.items()}

    def _forward(self, start: str, shared_only: bool = False) -> dict[str, tuple[str, ...]]:
        """Every function ``start`` reaches, with a shortest chain (BFS, sorted edges: deterministic);
        ``shared_only`` (a thread's reach): not through methods of objects a function on the way made
        itself, and not from plain code into an ``async def``, whose call only makes a coroutine: it runs
        on whichever event loop awaits it (often a loop thread of its own), not on the caller's thread."""
        functions = self.r.functions
        chains = {start: (start,)}
        queue = deque([start])
        while queue:
            key = queue.popleft()
            chain = chains[key]
            if len(chain) >= MAX_DEPTH:
                continue
            for callee, _line, _locks in self.edges.get(key, ()):
                if callee in chains:
                    continue
                if shared_only and ((key, callee) in self.private_edges
                                    or (functions[callee].is_async and not functions[key].is_async)):
                    continue
                chains[callee] = chain + (callee,)
                queue.append(callee)
        return chains

    def _backward(self, seeds: dict[str, tuple], allowed=None) -> dict[str, tuple[str, ...]]:
        """Multi-source BFS up the call graph: which functions reach a seed, with a shortest chain
        from the function down to the seed."""
        chains = {key: (key,) for key in sorted(seeds)}
        queue = deque(sorted(seeds))
        while queue:
            key = queue.popleft()
            chain = chains[key]
            if len(chain) >= MAX_DEPTH:
                continue
            for caller, _line, _locks in self.callers.get(key, ()):
                if caller not in chains and (allowed is None or allowed(caller)):
                    chains[caller] = (caller,) + chain
                    queue.append(caller)
        return chains

    def _harness(self, module: str) -> bool:
        return _harness(module, self.paths.get(module, ""))

    # ---- facts ------------------------------------------------------------------------------
    def run(self) -> ProjectFacts:
        self.program_methods = self._program_start_methods()
        sites = self._sites()
        runs: dict[str, dict[str, list[Reason]]] = {"thread": {}, "process": {}, "initializer": {}}
        for site, target in sites:
            bucket = "initializer" if site.role == "initializer" else site.context
            harness = self._harness(site.module)
            for key, chain in self._forward(target, shared_only=site.context == apis.THREAD).items():
                if harness and not self._harness(key.partition(":")[0]):
                    continue  # a test or an example running library code in its thread: another program
                runs[bucket].setdefault(key, []).append(Reason(site, chain))
        for bucket in runs.values():
            for key, reasons in bucket.items():
                reasons.sort(key=lambda r: (len(r.chain), r.site.module, r.site.line, r.site.column, r.chain))
                del reasons[MAX_REASONS:]
        self.runs = runs
        self.starters = self._starters()
        self.cpu = self._cpu()
        modules = {name: self._module_facts(name) for name in sorted(self.r.summaries)}
        return ProjectFacts(modules)

    def _sites(self) -> list[tuple[Site, str]]:
        out = []
        for name in sorted(self.r.summaries):
            summary = self.r.summaries[name]
            for d in summary.dispatches:
                target = self.r.function_of(d.target, name)
                if target is None:
                    continue
                initializer = self.r.function_of(d.initializer, name) or ""
                method = d.start_method or summary.start_method or self.inherited_method(name, d.caller)
                site = Site(name, self.paths.get(name, ""), d.line, d.column, d.context, d.api, d.role, method,
                            initializer, d.payload, d.concurrent, d.elsewhere)
                out.append((site, target))
        return out + self._subclass_sites({target for _site, target in out})

    def _subclass_sites(self, started: set[str]) -> list[tuple[Site, str]]:
        """A class whose Thread/Process base is in another module (``class Fetcher(BaseWorker)``): its
        module cannot tell, so its ``run`` runs in a thread or child wherever instances start."""
        out = []
        for key in sorted(self.r.classes):
            module, _, qualname = key.partition(":")
            bases = self.r.external_bases(key)
            context = apis.PROCESS if bases & apis.PROCESS_CLASSES else apis.THREAD if bases & apis.THREAD_CLASSES else None
            run = self.r.method(key, "run")
            if context is None or run is None or run in started:  # its own module's model saw it
                continue
            cls = self.r.classes[key]
            site = Site(module, self.paths.get(module, ""), cls.line, 0, context, qualname, "run", "", "", False,
                        False, True)
            out.append((site, run))
        return out

    def _program_start_methods(self) -> dict[str, set[str]]:
        """Function key -> start methods set by entry modules whose module-level code reaches it."""
        out: dict[str, set[str]] = {}
        for name in sorted(self.r.summaries):
            method = self.r.summaries[name].start_method
            if not method:
                continue
            for entry in (f"{name}:{MAIN}", f"{name}:{IMPORT_TIME}"):
                for key in self._forward(entry):
                    out.setdefault(key, set()).add(method)
        return out

    def inherited_method(self, module: str, caller: str) -> str:
        methods = self.program_methods.get(f"{module}:{caller}", set())
        return next(iter(methods)) if len(methods) == 1 else ""

    def _starters(self) -> dict[str, Starter]:
        seeds: dict[str, tuple[int, str]] = {}
        for key in self.r.function_keys():
            fn = self.r.functions[key]
            module = key.partition(":")[0]
            found = [(line, what) for line, what in fn.starts if what not in _NOT_STARTING]
            for call in fn.calls:
                what = self.r.external_start(call.target, module, self.extra_starters)
                if what:
                    found.append((call.line, what))
            if found:
                seeds[key] = min(found)
        chains = self._backward(seeds)
        return {key: Starter(chain, *seeds[chain[-1]]) for key, chain in chains.items()}

    def _cpu(self) -> dict[str, CpuWork]:
        """CPU-bound, transitively: a function whose loop (or a callee's, in any module) computes, and
        that nothing in its reach blocks or releases the GIL (PVT301's profile, across modules)."""
        own_block = set()
        hot: dict[str, tuple[int, str]] = {}
        for key in self.r.function_keys():
            fn = self.r.functions[key]
            module = key.partition(":")[0]
            if fn.cpu.blocked or any(self.r.function_of(name, module) is None for name, _l, _k in fn.cpu.blockers):
                own_block.add(key)
            if fn.cpu.hot is not None and fn.cpu.hot_in == key.partition(":")[2]:
                hot[key] = (fn.cpu.hot[0], fn.cpu.hot[2])  # seeded where the loop is: the chain leads there
        blocks = set(self._backward({k: () for k in own_block}))
        chains = self._backward({k: () for k in hot if k not in blocks}, allowed=lambda k: k not in blocks)
        return {key: CpuWork(chain, *hot[chain[-1]]) for key, chain in chains.items()}

    # ---- per module -------------------------------------------------------------------------
    def _module_facts(self, name: str) -> ModuleFacts:
        summary = self.r.summaries[name]
        functions = []
        for fn in summary.functions:
            key = f"{name}:{fn.qualname}"
            facts = FunctionFacts(
                key=key,
                threads=tuple(self.runs["thread"].get(key, ())),
                processes=tuple(self.runs["process"].get(key, ())),
                initializers=tuple(self.runs["initializer"].get(key, ())),
                starts=self.starters.get(key),
                cpu=self.cpu.get(key),
                caller_locks=self._caller_locks(key),
            )
            if facts != FunctionFacts(key):
                functions.append(facts)
        child_reads = self._child_reads(summary)
        read = {(r.module, r.name) for r in child_reads}
        return ModuleFacts(
            module=name,
            functions=tuple(functions),
            import_time_starts=self._import_time_starts(summary),
            global_sets=tuple(s for s in self._global_sets() if s.module == name or (s.module, s.name) in read),
            child_reads=child_reads,
            unfit_sends=unfit_sends(self, summary),
            shared_classes=self._shared_classes(summary),
            program_start_methods=tuple(sorted(set().union(
                *(self.program_methods.get(f"{name}:{fn.qualname}", set()) for fn in summary.functions)))),
            cpu_sends=self._cpu_sends(summary),
            helper_sends=helper_sends(self, summary),
        )

    def _cpu_sends(self, summary: ModuleSummary) -> tuple[CpuSend, ...]:
        out = []
        for d in summary.dispatches:
            target = self.r.function_of(d.target, summary.module) if d.context == apis.THREAD else None
            if target and not target.startswith(summary.module + ":") and target in self.cpu:
                out.append(CpuSend(d.line, d.column, target, self.cpu[target]))
        return tuple(sorted(set(out), key=lambda c: (c.line, c.column, c.target)))

    def _caller_locks(self, key: str) -> tuple[str, ...]:
        """Locks held at every call of ``key`` (in any module), unless it is itself sent to a thread."""
        sites = self.callers.get(key)
        if not sites or any(r.chain == (key,) for r in self.runs["thread"].get(key, ())):
            return ()
        common: Optional[set[str]] = None
        for caller, _line, locks in sites:
            held = {f"{caller.partition(':')[0]}:{lock}" for lock in locks}
            common = held if common is None else common & held
        return tuple(sorted(common or ()))

    def _import_time_starts(self, summary: ModuleSummary) -> tuple[ImportTimeStart, ...]:
        fn = summary.function(IMPORT_TIME)
        out = []
        for call in fn.calls if fn else ():
            callee = self.r.function_of(call.target, summary.module)
            starter = self.starters.get(callee) if callee else None
            if starter is None:
                what = self.r.external_start(call.target, summary.module, self.extra_starters)
                starter = Starter((f"{summary.module}:{IMPORT_TIME}",), call.line, what) if what else None
            if starter is not None:
                out.append(ImportTimeStart(call.line, call.target, starter))
        return tuple(sorted(set(out), key=lambda s: (s.line, s.target)))

    def _global_sets(self) -> list[GlobalSet]:
        found = getattr(self, "_global_sets_cache", None)
        if found is not None:
            return found
        found = []
        for key in self.r.function_keys():
            module, _, qualname = key.partition(":")
            if qualname == IMPORT_TIME or self.runs["process"].get(key) or self.runs["initializer"].get(key):
                continue  # import-time code, and code that runs in children, is not the parent's run time
            for write in self.r.functions[key].writes:
                target = self.r.global_of_write(write, module)
                if target is not None:
                    # ``config.SETTINGS = v`` changes the object config is, but rebinds SETTINGS
                    kind = "store" if write.kind == "item-store" and write.text == f"{write.name}.{target[1]}" else write.kind
                    found.append(GlobalSet(target[0], target[1], key, write.line, kind, _in_starting_program(key, self.callers, self.starters)))
        self._global_sets_cache = found = sorted(set(found), key=lambda s: (s.module, s.name, s.setter, s.line))
        return found

    def _child_reads(self, summary: ModuleSummary) -> tuple[ChildRead, ...]:
        out = []
        for fn in summary.functions:
            key = f"{summary.module}:{fn.qualname}"
            reasons = self.runs["process"].get(key, ())
            if not reasons:
                continue
            for name in fn.reads:
                target = self.r.global_of_name(name, summary.module)
                if target is None:
                    continue
                for reason in reasons:
                    out.append(ChildRead(target[0], target[1], key, reason, self._initializer_sets(reason, target)))
        return tuple(out)

    def _initializer_sets(self, reason: Reason, target: tuple[str, str]) -> bool:
        initializer = reason.site.initializer
        if not initializer:
            return False
        for key in self._forward(initializer):
            module = key.partition(":")[0]
            for write in self.r.functions[key].writes:
                if self.r.global_of_write(write, module) == target:
                    return True
        return False

    def _shared_classes(self, summary: ModuleSummary) -> tuple[SharedClass, ...]:
        out = []
        for cls in summary.classes:
            key = f"{summary.module}:{cls.qualname}"
            if cls.thread_safe_doc:
                out.append(SharedClass(key, "docstring", cls.thread_safe_doc))
            if cls.lock_attributes:
                out.append(SharedClass(key, "own lock", cls.lock_attributes[0]))
            reached = sorted(
                {(r.site.module, r.site.line) for _n, method in cls.methods
                 for r in self.runs["thread"].get(f"{summary.module}:{method}", ())}
            )
            for module, line in reached[:MAX_REASONS]:
                out.append(SharedClass(key, "thread", f"{module}:{line}"))
        return tuple(out)


# Module names that hold tests and examples: what they start is their own program, not the library's.
_HARNESS_PARTS = frozenset({"test", "tests", "testing", "example", "examples", "demo", "demos", "benchmarks", "docs"})


def _harness(module: str, path: str = "") -> bool:
    """A test or example module (``pkg.tests.test_pool``, ``test_core``, ``conftest``, ``examples.demo``),
    by its name or by the directories of its file: a script in ``examples/mandelbrot/`` with no package
    around it is the module ``client`` to the import system, and an example all the same.
    The threads and processes it starts run the library's code as one more user does: the library's
    own state is not shared by them unless the library shares it itself, so facts that follow such a
    start into the library would report the test's use, not a defect of the library."""
    parts = module.split(".") + path.replace("\\", "/").split("/")[:-1]
    last = module.split(".")[-1]
    return (any(part in _HARNESS_PARTS for part in parts) or last.startswith("test_") or last.endswith("_test")
            or last == "conftest")


def _in_starting_program(key: str, callers, starters) -> bool:
    """Whether ``key`` or a function calling it (transitively) starts processes: a test that only sets
    a library's global is another program than the library code that starts the children."""
    seen, queue = {key}, deque([key])
    while queue:
        current = queue.popleft()
        if current in starters:
            return True
        for caller, _line, _locks in callers.get(current, ()):
            if caller not in seen:
                seen.add(caller)
                queue.append(caller)
    return False
