"""ModuleModel: the facade the rules read, over the model's seams.

Each question is answered by one seam: ``scopes`` (what names mean), ``graph`` (who calls whom),
``state`` (what writes touch, who reads globals), ``dispatch`` (what is sent to threads and
processes), ``locks``, ``processes`` (``ProcessFacts``), ``threads`` (``ThreadFacts``) and ``work``
(``CpuFacts``, the CPU profile). The facade only wires them and passes questions on; the queries
below are also what a per-module summary is built from.
"""

from __future__ import annotations

from functools import cached_property
from typing import Iterator, Optional

import libcst as cst

from .calls import CallGraph
from .collector import Collector
from .cpu import CpuFacts, CpuProfile
from .dispatch import find_dispatches
from .facts import Access, CallSite, ClassInfo, DispatchSite, FunctionInfo
from .locks import LockFacts
from .processes import ProcessFacts
from .project_facts import ModuleFacts
from .start_methods import EVERY_METHOD, methods_met
from .state import State
from .threads import ThreadFacts


class ModuleModel:
    """Everything rules need to know about one module's concurrency, computed once."""

    def __init__(self, collector: Collector) -> None:
        scopes = self.scopes = collector.scopes
        seen = collector.access_visitor
        self.imports = scopes.imports
        self.functions = scopes.functions
        self.classes = scopes.classes
        self.module_names = scopes.module_names
        self.values = scopes.values
        self._positions = collector.positions
        self.calls = seen.calls
        self.ifs = seen.ifs
        self.module_accesses = seen.module_accesses
        self.main_guards = seen.main_guards
        self.lock_withs = seen.lock_withs
        self._cpu_visitor = collector.cpu_visitor
        self._loops = collector.loop_tracker.loops
        self.state = State(scopes, self.module_accesses, collector.load_visitor.loads)
        self._attributes = collector.load_visitor.attributes
        self.graph = CallGraph(scopes, self.calls)
        self.dispatches: list[DispatchSite] = find_dispatches(scopes, self.calls, collector.positions)
        self.locks = LockFacts(self.graph, self.dispatches, self.lock_withs, scopes.functions)
        self.processes = ProcessFacts(scopes, self.graph, self.dispatches, self.ifs, self.main_guards)
        # What the whole project says about this module (the runner's project stage); the engine sets it
        # before the rules judge, and it stays empty when no project stage ran.
        self.project: ModuleFacts = ModuleFacts.empty()
        # The start methods a dispatch that names none meets (``start_methods.default_start_methods`` of the
        # configuration); the engine sets it, and without a configuration it is all three.
        self.default_start_methods: frozenset[str] = EVERY_METHOD
        # The module's text, indentation unit and line ending (libcst's reading of them), for fixes that move or
        # re-indent lines (the engine sets them).
        self.text = ""
        self.indent = "    "
        self.newline = "\n"
        self._lines: tuple[str, list[str]] = ("", [""])

    def release(self) -> None:
        """Once the rules have judged: drop the parts that point back at the model (``threads`` keeps the
        model, and its check-then-acts keep it), so that the model and the module's whole tree are freed
        as soon as nobody holds them, instead of waiting for Python's cycle collector, whose traversals
        of them were 8% of a cold run's CPU. A part asked for again is made again."""
        threads = self.__dict__.pop("threads", None)
        if threads is not None:
            threads.__dict__.pop("ctas", None)

    @property
    def lines(self) -> list[str]:
        """``text`` split at each "\\n", split once (fixes read it once per finding); not to be changed."""
        if self._lines[0] is not self.text:
            self._lines = (self.text, self.text.split("\n"))
        return self._lines[1]

    def resolve(
        self, expr: cst.BaseExpression, scope: tuple[str, ...], class_qualname: Optional[str] = None,
        line: Optional[int] = None,
    ) -> Optional[str]:
        """An expression's dotted name through imports and bound values (as bound at ``line``); the class
        is found from ``scope``'s self parameters, so ``class_qualname`` is accepted and not needed."""
        return self.scopes.resolve(expr, scope, line)

    def name_kind(self, name: str, qualname: Optional[str]) -> str:
        """What ``name`` means inside function ``qualname``: local, free, global or unknown."""
        return self.scopes.name_kind(name, qualname)

    def position(self, node: cst.CSTNode):
        """The CodeRange of a node of the module (1-based lines, 0-based columns)."""
        return self._positions[node]

    @cached_property
    def threads(self) -> ThreadFacts:
        """Thread facts (what runs in threads, with which ``self``; check-then-acts): see threads.py."""
        return ThreadFacts(self)

    @cached_property
    def work(self) -> CpuFacts:
        """The CPU profile: loops, recursion and GIL-relevant calls of each function (see cpu.py)."""
        return CpuFacts(self.scopes, self.graph, self.lock_withs, self._cpu_visitor, self._loops)

    # ---- definitions and names ------------------------------------------------------------------
    def attributes_read(self, qualname: str) -> set[tuple[str, str]]:
        """(name, attr) for every ``name.attr`` in the function's own body (nested functions, lambdas and
        classes are their own), whether read or assigned."""
        return self._attributes.get(qualname, set())

    def function(self, qualname: Optional[str]) -> Optional[FunctionInfo]:
        """The function (or lambda) ``qualname`` of this module, if any."""
        return self.functions.get(qualname) if qualname else None

    def resolve_in(self, text: str, function: Optional[str]) -> str:
        """A dotted name as seen from inside ``function``, through imports and bound values."""
        return self.scopes.resolve_in(text, function)

    def lookup(self, name: str, scope: tuple[str, ...]):
        """The innermost known binding of ``name`` as (scope key, (value, node)), through scopes then the module."""
        return self.scopes.lookup(name, scope)

    def value_of(self, name: str, scope: tuple[str, ...] = ()) -> Optional[str]:
        """The dotted value bound to ``name`` as seen from ``scope`` (e.g. "threading.Lock()")."""
        return self.scopes.value_of(name, scope)

    def value_at(self, expr: cst.BaseExpression, scope: tuple[str, ...]) -> Optional[str]:
        """What an expression holds where it is used; a parameter or an unassigned local hides a global."""
        return self.scopes.value_at(expr, scope)

    def scope_of(self, qualname: Optional[str]) -> tuple[str, ...]:
        """The enclosing function qualnames of code in ``qualname``, innermost first."""
        return self.scopes.scope_of(qualname)

    def selves(self, scope: tuple[str, ...]) -> dict[str, str]:
        """The self-parameter names visible in ``scope``, mapped to their class qualname."""
        return self.scopes.selves(scope)

    def within(self, qualname: Optional[str], functions) -> bool:
        """Whether function ``qualname`` is one of ``functions`` or is defined inside one."""
        return self.scopes.within(qualname, functions)

    def class_bases(self, class_qualname: str) -> set[str]:
        """All base names of a class, through the module's own classes."""
        return self.scopes.class_bases(class_qualname)

    def class_info(self, qualname: str) -> Optional[ClassInfo]:
        """The class ``qualname`` of this module (its ``bases`` resolved to dotted names), if any."""
        return self.classes.get(qualname)

    def attribute_values(self, class_qualname: str) -> dict[str, str]:
        """What the class body and its methods bind to each ``self`` attribute (e.g. "<lambda>", "threading.Lock()")."""
        return self.scopes.attribute_values(class_qualname)

    # ---- calls, state and locks ---------------------------------------------------------------------
    def callers_of(self, qualname: str) -> list[CallSite]:
        """The calls of function ``qualname`` in this module."""
        return self.graph.callers_of(qualname)

    def calls_in(self, qualname: Optional[str]) -> list[CallSite]:
        """The calls made in ``qualname`` (None: module level), each with its resolved ``qualname`` and ``callee``."""
        return self.graph.called_by(qualname)

    def closure(self, qualname: str) -> set[str]:
        """The function and every function of this module it calls, transitively."""
        return self.graph.closure(qualname)

    def accesses(self) -> Iterator[Access]:
        """Every recorded write (and mutating call) inside functions."""
        return self.state.accesses()

    def writes(self) -> Iterator[Access]:
        """The accesses inside functions that change state."""
        return self.state.writes()

    def readers(self, name: str) -> list[Optional[str]]:
        """Scopes that read the value of module-level ``name`` (None: module level or a class body)."""
        return self.state.readers(name)

    def globals_read(self, qualname: Optional[str]) -> set[str]:
        """The module globals whose value code in ``qualname`` reads (None: module level)."""
        return self.state.globals_read(qualname)

    def globals_written(self, qualname: Optional[str]) -> set[str]:
        """The module globals that code in ``qualname`` rebinds or changes (None: module level)."""
        return self.state.globals_written(qualname)

    def effective_locks(self, access: Access) -> frozenset[str]:
        """Locks held at an access, including those every caller of its function holds."""
        return self.locks.effective_locks(access)

    def caller_locks(self, qualname: Optional[str]) -> frozenset[str]:
        """Locks every call site of function ``qualname`` in the module holds."""
        return self.locks.caller_locks(qualname)

    def locks_taken(self, qualname: Optional[str]) -> set[str]:
        """The lock expressions code in ``qualname`` takes (``with lock:``, ``lock.acquire()``), as written."""
        return self.locks.locks_taken(qualname)

    # ---- work sent elsewhere, processes, CPU ------------------------------------------------------------
    def dispatches_from(self, qualname: Optional[str]) -> list[DispatchSite]:
        """The work code in ``qualname`` (None: module level) sends to threads or processes."""
        return [site for site in self.dispatches if site.caller == qualname and not site.elsewhere]

    def child_run(self, initializers: bool = False) -> dict[str, list[DispatchSite]]:
        """Functions run by child-process tasks (and what they call), each with the sites sending them."""
        return self.processes.child_run(initializers)

    def tests_name(self, qualname: Optional[str], name: str) -> bool:
        """Whether an ``if`` in function ``qualname`` tests ``name`` (a lazy-init or memo check)."""
        return self.processes.tests_name(qualname, name)

    def start_method(self, site: DispatchSite) -> Optional[str]:
        """The start method a dispatch names, or the one the module sets, if any."""
        return self.processes.start_method(site)

    def methods_met(self, named: Optional[str]) -> frozenset[str]:
        """The start methods a dispatch meets: ``named`` (what ``start_method`` found), else the defaults."""
        return methods_met(named, self.default_start_methods)

    def named_start_methods(self) -> set[Optional[str]]:
        """The start methods the module's ``get_context`` and ``set_start_method`` calls name (None: not a literal)."""
        return self.processes.named_start_methods()

    def sets_start_method(self, method: str) -> bool:
        """Whether the module calls ``set_start_method(method)`` anywhere."""
        return self.processes.sets_start_method(method)

    def start_method_set_by(self, call: CallSite) -> Optional[str]:
        """The start method a ``set_start_method("...")`` call sets; None for any other call."""
        return self.processes.start_method_set_by(call)

    def never_started(self, site: DispatchSite) -> bool:
        """A Process object bound to a name in a function that never starts it, nor hands it on."""
        return self.processes.never_started(site)

    def process_starts(self) -> list[tuple[CallSite, str]]:
        """Calls that start child processes when they run, each with what it does."""
        return self.processes.process_starts()

    def starts_processes(self, qualname: Optional[str]) -> bool:
        """Whether code in ``qualname`` itself (None: module level) starts child processes."""
        return self.processes.starts_processes(qualname)

    def manager_callables(self) -> frozenset[str]:
        """Functions registered with a multiprocessing manager, which its server process calls for clients."""
        return self.processes.manager_callables

    def in_main_guard(self, line: int) -> bool:
        """Whether ``line`` is inside the module's ``if __name__ == "__main__":`` body."""
        return self.processes.in_main_guard(line)

    def import_time(self, call: CallSite) -> bool:
        """Whether a call runs when the module is imported (module level, outside the main guard)."""
        return self.processes.import_time(call)

    def import_time_calls(self) -> list[CallSite]:
        """The calls that run when the module is imported (module level and class bodies, outside the main guard)."""
        return [call for call in self.calls if self.import_time(call)]

    def cpu_profile(self, qualname: str) -> CpuProfile:
        """The CPU profile of ``qualname`` and every function of this module it calls."""
        return self.work.profile(qualname)
