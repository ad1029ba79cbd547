"""The CPU profile: loops, recursion, and calls that block or release the GIL.

``CpuVisitor`` rides the engine's one walk after the ``LoopTracker`` (it reads the current function
and the open loops) and counts the operations in each function and loop and the GIL checks.
``CpuFacts`` joins those facts with the module model's calls and closures once the module has been
seen, and answers one question for a function: is it pure-Python CPU work?
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

import libcst as cst

from .definitions import DefinitionVisitor
from .facts import LOCAL, CallSite
from .calls import CallGraph
from .loops import Loop, LoopTracker
from .scopes import Scopes

# How a call behaves with respect to the GIL.
PURE = "pure"  # runs Python-level or C code that holds the GIL: CPU work
LOCAL_CALL = "local"  # a function of this module: its own calls are classified
PRINT = "print"  # print / logging: I/O, harmless once, not inside a hot loop
BLOCKING = "blocking"  # I/O, sleeping, waiting on a queue, lock, event or thread
RELEASES_GIL = "releases-gil"  # a C library known to drop the GIL for its work
UNKNOWN = "unknown"  # anything else: it may do either, so it is not judged
NOT_CPU = frozenset({BLOCKING, RELEASES_GIL, UNKNOWN})

PURE_BUILTINS = frozenset(
    {
        "range", "len", "abs", "min", "max", "sum", "ord", "chr", "divmod", "pow", "int", "float",
        "enumerate", "zip", "sorted", "reversed", "round", "bool", "str", "bytes", "bytearray", "list",
        "tuple", "dict", "set", "frozenset", "complex", "isinstance", "hash", "hex", "bin", "oct",
        "any", "all", "iter", "slice", "repr", "format", "type", "id",
    }
)
IO_BUILTINS = frozenset({"open", "input", "breakpoint", "exec", "eval", "__import__", "compile"})
PRINT_BUILTINS = frozenset({"print"})

# Standard modules whose functions compute while holding the GIL.
PURE_MODULES = frozenset(
    {"math", "cmath", "operator", "itertools", "bisect", "heapq", "statistics", "fractions", "random", "string"}
)
PURE_FUNCTIONS = frozenset(
    {"functools.reduce", "time.time", "time.perf_counter", "time.monotonic", "time.process_time",
     "time.perf_counter_ns", "time.monotonic_ns", "time.time_ns", "copy.copy", "copy.deepcopy"}
)
# C libraries that drop the GIL while they work: threads do run in parallel there.
GIL_RELEASING_MODULES = frozenset(
    {"numpy", "scipy", "pandas", "numexpr", "numba", "torch", "tensorflow", "jax", "cv2", "PIL",
     "hashlib", "zlib", "lzma", "bz2", "gzip", "cryptography", "nacl", "Crypto", "_hashlib", "sklearn"}
)
# Modules whose calls wait on the outside world.
BLOCKING_MODULES = frozenset(
    {"time", "socket", "select", "selectors", "ssl", "subprocess", "os", "shutil", "pathlib", "io",
     "urllib", "http", "requests", "httpx", "aiohttp", "urllib3", "sqlite3", "queue", "threading",
     "multiprocessing", "asyncio", "logging", "sys", "signal", "ftplib", "smtplib", "telnetlib"}
)

# Methods of built-in numbers, strings and containers: they hold the GIL.
PURE_METHODS = frozenset(
    {
        "append", "extend", "insert", "pop", "remove", "clear", "copy", "count", "index", "sort",
        "reverse", "items", "keys", "values", "setdefault", "update", "add", "discard", "union",
        "intersection", "difference", "symmetric_difference", "issubset", "issuperset", "isdisjoint",
        "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "startswith",
        "endswith", "replace", "find", "rfind", "partition", "rpartition", "splitlines", "title",
        "capitalize", "zfill", "ljust", "rjust", "center", "isdigit", "isalpha", "isalnum",
        "isspace", "isupper", "islower", "isdecimal", "isnumeric", "encode", "decode", "translate",
        "bit_length", "bit_count", "to_bytes", "from_bytes", "is_integer", "conjugate", "hex",
        "popleft", "appendleft", "most_common", "__getitem__", "__len__",
    }
)
# Methods that wait: I/O, queues, events, locks, threads, selectors.
BLOCKING_METHODS = frozenset(
    {
        "read", "readline", "readlines", "readinto", "write", "writelines", "flush", "recv",
        "recvfrom", "recv_into", "recvfrom_into", "recvmsg", "send", "sendall", "sendto", "sendmsg",
        "sendfile", "accept", "connect", "connect_ex", "urlopen", "request", "get_nowait",
        "put", "put_nowait", "wait", "wait_for", "join", "select", "poll", "acquire", "sleep",
        "communicate", "result", "makefile", "close", "fetchone", "fetchall", "execute",
    }
)
LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


@dataclass
class GilCheck:
    """A call of ``sys._is_gil_enabled()`` (the code knows about free-threaded builds)."""

    function: Optional[str]
    line: int


class CpuVisitor(cst.BatchableCSTVisitor):
    """The work in each function and loop (operators, calls) and GIL checks; runs after the loop tracker."""

    def __init__(self, definitions: DefinitionVisitor, loops: LoopTracker, positions) -> None:
        super().__init__()
        self._definitions = definitions
        self._loops = loops
        self._positions = positions
        self.function_ops: dict[str, int] = {}
        self.gil_checks: list[GilCheck] = []

    def _op(self) -> None:
        # Called for every operator in the module: kept to a dict update and, inside loops, a short scan.
        function = self._definitions.frame.qualname
        if function is not None:
            ops = self.function_ops
            ops[function] = ops.get(function, 0) + 1
        open_loops = self._loops.open
        if open_loops:
            for loop, state in open_loops:
                if state[0] and loop.function == function:
                    loop.ops += 1

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        self._op()

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._op()

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._op()

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._op()

    def visit_Call(self, node: cst.Call) -> None:
        function = self._definitions.frame.qualname
        if self._loops.open:
            for loop in self._loops.active(function):
                loop.calls.append(node)
        if _is_gil_check(node.func):
            self.gil_checks.append(GilCheck(function, self._positions[node].start.line))


@dataclass
class CpuProfile:
    """What a function and everything it calls in this module do, judged for the GIL."""

    qualname: str
    hot_loops: list[Loop] = field(default_factory=list)  # loops doing work that are not tiny
    recursion: Optional[CallSite] = None  # a call that makes the closure recursive
    blockers: list[tuple[CallSite, str]] = field(default_factory=list)  # (call, kind) that is not CPU

    @property
    def cpu_bound(self) -> bool:
        return bool(self.hot_loops or self.recursion) and not self.blockers

    @property
    def hot(self) -> Optional[tuple[int, int, str]]:
        """(line, column, what) of the place the time goes."""
        if self.hot_loops:
            loop = self.hot_loops[0]
            return loop.line, loop.column, f"{loop.kind} loop" if loop.kind != "comprehension" else "comprehension"
        if self.recursion is not None:
            return self.recursion.line, self.recursion.column, "recursive call"
        return None


class CpuFacts:
    """The CPU profile of each function of one module, once the whole module has been seen."""

    def __init__(self, scopes: Scopes, graph: CallGraph, lock_withs, visitor: CpuVisitor, loops: list[Loop]) -> None:
        self._scopes = scopes
        self._graph = graph
        self._lock_withs = lock_withs
        self.loops = loops
        self.function_ops: dict[str, int] = visitor.function_ops
        self.gil_checks: list[GilCheck] = visitor.gil_checks
        self._calls_by_caller: dict[str, list[CallSite]] = {}
        self._call_of_node: dict[int, CallSite] = {}
        for call in graph.calls:
            if call.caller:
                self._calls_by_caller.setdefault(call.caller, []).append(call)
            self._call_of_node[id(call.node)] = call
        self._loops_by_function: dict[str, list[Loop]] = {}
        for loop in self.loops:
            if loop.function:
                self._loops_by_function.setdefault(loop.function, []).append(loop)
        self._profiles: dict[str, CpuProfile] = {}

    # ---- calls -------------------------------------------------------------------------------
    def call_kind(self, call: CallSite) -> str:
        """How one call behaves: PURE, LOCAL_CALL, PRINT, BLOCKING, RELEASES_GIL or UNKNOWN."""
        if call.callee:
            return LOCAL_CALL
        func = call.node.func
        scopes = self._scopes
        if isinstance(func, cst.Name):
            name = func.value
            kind = scopes.name_kind(name, call.caller)
            if name in scopes.imports and kind != LOCAL:
                return _module_kind(scopes.imports[name])
            if kind == LOCAL or name in scopes.module_names:
                return UNKNOWN  # a parameter, a local callable, a module-level binding
            if name in PURE_BUILTINS:
                return PURE
            if name in PRINT_BUILTINS:
                return PRINT
            if name in IO_BUILTINS:
                return BLOCKING
            return UNKNOWN
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            head = _head(func)
            if head is not None and scopes.name_kind(head, call.caller) != LOCAL and head in scopes.imports:
                return _module_kind(call.qualname or "")
            resolved_head = (call.qualname or "").split(".", 1)[0].removesuffix("()")
            if head is not None and resolved_head != head and resolved_head in _KNOWN_MODULES:
                return _module_kind(call.qualname or "")  # h = hashlib.sha256(); h.update(data)
            if method in LOG_METHODS:
                return PRINT
            if method == "join":
                return PURE if isinstance(func.value, (cst.SimpleString, cst.ConcatenatedString)) else BLOCKING
            if method == "get":
                return PURE if _is_mapping_get(call.node) else BLOCKING
            if method in BLOCKING_METHODS or method.startswith(("send", "recv")):
                return BLOCKING
            if method in PURE_METHODS:
                return PURE
        return UNKNOWN

    # ---- functions ---------------------------------------------------------------------------
    def profile(self, qualname: str) -> CpuProfile:
        """The GIL profile of ``qualname`` and every function of this module it calls."""
        found = self._profiles.get(qualname)
        if found is None:
            found = self._profiles[qualname] = self._build_profile(qualname)
        return found

    def _build_profile(self, qualname: str) -> CpuProfile:
        graph = self._graph
        closure = graph.closure(qualname)
        profile = CpuProfile(qualname)
        looped = self._called_in_loops(qualname, closure)
        for function in sorted(closure):
            loops = self._loops_by_function.get(function, [])
            in_loop_calls = {id(node) for loop in loops for node in loop.calls}
            for call in self._calls_by_caller.get(function, []):
                kind = self.call_kind(call)
                if kind in NOT_CPU:
                    profile.blockers.append((call, kind))
                elif kind == PRINT and (function in looped or id(call.node) in in_loop_calls):
                    profile.blockers.append((call, BLOCKING))
                elif kind == LOCAL_CALL and profile.recursion is None and function in graph.closure(call.callee):
                    if self.function_ops.get(call.callee, 0):  # a cycle of calls that computes
                        profile.recursion = call
            for lock_function, _lock, line in self._lock_withs:
                if lock_function == function:  # `with lock:` waits whenever another thread holds it
                    profile.blockers.append((_lock_wait(function, line), BLOCKING))
            for loop in loops:
                if loop.io_iterable:
                    profile.blockers.append((_pseudo_call(loop), BLOCKING))
                elif not loop.tiny and self._does_work(loop):
                    profile.hot_loops.append(loop)
        profile.hot_loops.sort(key=lambda loop: (loop.line, loop.column))
        profile.blockers.sort(key=lambda pair: (pair[0].line, pair[0].column))
        return profile

    def _does_work(self, loop: Loop) -> bool:
        if loop.ops:
            return True
        for node in loop.calls:
            call = self._call_of_node.get(id(node))
            if call is not None and self.call_kind(call) in (PURE, LOCAL_CALL):
                return True
        return False

    def _called_in_loops(self, start: str, closure: set[str]) -> set[str]:
        """Functions of the closure that run inside a loop of a function that calls them."""
        loop_calls = {id(node) for loop in self.loops if loop.function in closure for node in loop.calls}
        looped: set[str] = set()
        changed = True
        while changed:
            changed = False
            for function in closure:
                for call in self._calls_by_caller.get(function, []):
                    callee = call.callee
                    if callee and callee in closure and callee not in looped:
                        if id(call.node) in loop_calls or function in looped:
                            looped.add(callee)
                            changed = True
        return looped

    def in_loop(self, node: cst.Call) -> bool:
        """Is this call inside the body of a loop or a comprehension of its function?"""
        return id(node) in self._looped_calls

    @cached_property
    def _looped_calls(self) -> set[int]:
        return {id(node) for loop in self.loops for node in loop.calls}

    def gil_checked_before(self, function: Optional[str], line: int) -> bool:
        """Does ``function`` (None: module level) call ``sys._is_gil_enabled()`` at or before ``line``,
        directly or through a function of this module?"""
        for check in self.gil_checks:
            if check.function == function and check.line <= line:
                return True
        checkers = {check.function for check in self.gil_checks if check.function}
        if not checkers:
            return False
        for call in self._graph.calls:
            if call.caller == function and call.line <= line and call.callee in checkers:
                return True
        return False


_KNOWN_MODULES = PURE_MODULES | GIL_RELEASING_MODULES | BLOCKING_MODULES | {"functools", "copy"}


def _module_kind(qualname: str) -> str:
    qualname = qualname.replace("()", "")
    if qualname in PURE_FUNCTIONS:
        return PURE
    top = qualname.split(".", 1)[0]
    if top == "logging" and qualname.rsplit(".", 1)[-1] in LOG_METHODS:
        return PRINT
    if top in PURE_MODULES:
        return PURE
    if top in GIL_RELEASING_MODULES:
        return RELEASES_GIL
    if top in BLOCKING_MODULES:
        return BLOCKING
    return UNKNOWN


def _head(func: cst.BaseExpression) -> Optional[str]:
    while isinstance(func, cst.Attribute):
        func = func.value
    return func.value if isinstance(func, cst.Name) else None


def _is_mapping_get(call: cst.Call) -> bool:
    """``d.get(key)`` / ``d.get(key, default)``, not ``q.get()``, ``q.get(True)``, ``q.get(timeout=1)``."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if any(a.keyword is not None for a in call.args) or not positional:
        return False
    first = positional[0].value
    return not (isinstance(first, cst.Name) and first.value in ("True", "False"))


def _is_gil_check(func: cst.BaseExpression) -> bool:
    if isinstance(func, cst.Attribute):
        return func.attr.value == "_is_gil_enabled"
    if isinstance(func, cst.Call) and isinstance(func.func, cst.Name) and func.func.value == "getattr":
        return any(
            isinstance(a.value, cst.SimpleString) and "_is_gil_enabled" in a.value.value for a in func.args
        )
    return False


def _lock_wait(function: str, line: int) -> CallSite:
    """A stand-in call for taking a lock in a ``with`` statement."""
    return CallSite(
        caller=function, node=cst.Call(func=cst.Name("acquire")), scope=(), class_qualname=None,
        line=line, column=0, locks=frozenset(), loop_depth=0,
    )


def _pseudo_call(loop: Loop) -> CallSite:
    """A stand-in call for an I/O loop (its iteration is the blocking read)."""
    return CallSite(
        caller=loop.function,
        node=loop.node,  # type: ignore[arg-type]
        scope=(),
        class_qualname=None,
        line=loop.line,
        column=loop.column,
        locks=frozenset(),
        loop_depth=0,
    )
