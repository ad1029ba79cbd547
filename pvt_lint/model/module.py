"""ModuleModel: the collector's facts, resolved once the whole module has been seen."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import Iterable, Iterator, Optional

import libcst as cst

from .. import apis
from .collector import MODULE, Collector, dotted
from .facts import (
    CLASS,
    FREE,
    GLOBAL,
    ITEM_STORE,
    LOCAL,
    MUTATE,
    SELF,
    STORE,
    UNKNOWN,
    WRITE_KINDS,
    Access,
    CallSite,
    DispatchSite,
    FunctionInfo,
    StateRef,
)
from .work import WorkModel
from ..walk import code_children


# Either family's: a module that starts processes through both multiprocessing and multiprocess is rare.
_SET_START_METHOD = frozenset(name for name in apis.PROCESS_STARTING_CALLS if name.endswith(".set_start_method"))


class ModuleModel:
    """Everything rules need to know about one module's concurrency, computed once."""

    def __init__(self, collector: Collector) -> None:
        c = collector
        self.imports = c.imports
        self.functions = c.functions
        self.classes = c.classes
        self.module_names = c.module_names
        self.values = c.values
        self.calls = c.calls
        self.ifs = c.ifs
        self.module_accesses = c.module_accesses
        self.main_guards = c.main_guards
        self.lock_withs = c.lock_withs
        self._collector = c
        self.dispatches: list[DispatchSite] = []
        self._callers: dict[str, list[CallSite]] = defaultdict(list)
        self._finalize()

    # ---- queries rules use ----------------------------------------------------------------
    def function(self, qualname: Optional[str]) -> Optional[FunctionInfo]:
        return self.functions.get(qualname) if qualname else None

    def accesses(self) -> Iterator[Access]:
        for fn in self.functions.values():
            yield from fn.accesses

    def writes(self) -> Iterator[Access]:
        return (a for a in self.accesses() if a.kind in WRITE_KINDS)

    def callers_of(self, qualname: str) -> list[CallSite]:
        return self._callers.get(qualname, [])

    def closure(self, qualname: str) -> set[str]:
        """The function and every function of this module it calls, transitively."""
        return set(self._closures.get(qualname, {qualname}))

    @cached_property
    def _closures(self) -> dict[str, frozenset[str]]:
        edges: dict[str, set[str]] = defaultdict(set)
        for call in self.calls:
            if call.caller and call.callee:
                edges[call.caller].add(call.callee)
        out: dict[str, frozenset[str]] = {}
        for start in self.functions:
            seen = {start}
            stack = [start]
            while stack:
                for nxt in edges.get(stack.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            out[start] = frozenset(seen)
        return out

    @cached_property
    def work(self) -> WorkModel:
        """Loops, recursion and GIL-relevant calls of each function (see ``work.py``)."""
        return WorkModel(self, getattr(self._collector, "work", None))

    def run_in(self, context: str) -> dict[str, list[DispatchSite]]:
        """Functions that run in ``context`` (PROCESS/THREAD), each with the sites that send it."""
        out: dict[str, list[DispatchSite]] = defaultdict(list)
        for site in self.dispatches:
            if site.context != context or site.target is None:
                continue
            for qualname in self.closure(site.target):
                out[qualname].append(site)
        return dict(out)

    def effective_locks(self, access: Access) -> frozenset[str]:
        """Locks held at an access, including those every caller of its function holds."""
        return access.locks | self.caller_locks(access.function)

    def caller_locks(self, qualname: Optional[str]) -> frozenset[str]:
        return self._caller_locks.get(qualname, frozenset()) if qualname else frozenset()

    @cached_property
    def _caller_locks(self) -> dict[str, frozenset[str]]:
        """A helper whose every call site in the module holds a lock runs under that lock."""
        dispatched = {s.target for s in self.dispatches if s.target}
        held: dict[str, frozenset[str]] = {}
        for _ in range(4):  # a few rounds reach helpers of helpers
            changed = False
            for qualname, sites in self._callers.items():
                if qualname in dispatched or not sites:
                    continue
                common: Optional[frozenset[str]] = None
                for site in sites:
                    locks = site.locks | held.get(site.caller or "", frozenset())
                    common = locks if common is None else common & locks
                if common and held.get(qualname) != common:
                    held[qualname] = common
                    changed = True
            if not changed:
                break
        return held

    @cached_property
    def threads(self):
        """Thread facts (what runs in threads, with which ``self``; check-then-acts): see threads.py."""
        from .threads import ThreadFacts

        return ThreadFacts(self)

    def position(self, node: cst.CSTNode):
        """The CodeRange of any node of the module (1-based lines, 0-based columns)."""
        return self._collector.positions[node]

    def in_main_guard(self, line: int) -> bool:
        return any(start <= line <= end for start, end in self.main_guards)

    def resolve(
        self, expr: cst.BaseExpression, scope: tuple[str, ...], class_qualname: Optional[str], line: Optional[int] = None
    ) -> Optional[str]:
        """Resolve an expression to a dotted name through imports and bound values (as bound at ``line``)."""
        text = dotted(expr)
        if text is None:
            return None
        return self._collector.resolve_text(text, scope, self._selves(scope), line)

    def value_of(self, name: str, scope: tuple[str, ...] = ()) -> Optional[str]:
        for key in (*scope, MODULE):
            found = self.values.get((key, name))
            if found is not None:
                return found[0]
        return None

    def method(self, class_qualname: str, name: str, _seen: Optional[set] = None) -> Optional[str]:
        """A method looked up through the module's own classes (a simple MRO)."""
        cls = self.classes.get(class_qualname)
        if cls is None:
            return None
        if name in cls.methods:
            return cls.methods[name]
        seen = _seen or set()
        seen.add(class_qualname)
        for base in cls.bases:
            if base in self.classes and base not in seen:
                found = self.method(base, name, seen)
                if found:
                    return found
        return None

    def class_bases(self, class_qualname: str) -> set[str]:
        """All base names of a class, through the module's own classes."""
        out: set[str] = set()
        stack = [class_qualname]
        while stack:
            cls = self.classes.get(stack.pop())
            if cls is None:
                continue
            for base in cls.bases:
                if base not in out:
                    out.add(base)
                    stack.append(base)
        return out

    # ---- finalize -------------------------------------------------------------------------
    def _selves(self, scope: tuple[str, ...]) -> dict[str, str]:
        out: dict[str, str] = {}
        for qualname in reversed(scope):
            fn = self.functions.get(qualname)
            if fn is not None and fn.self_name and fn.class_qualname:
                out[fn.self_name] = fn.class_qualname
        return out

    def _scope_of(self, qualname: Optional[str]) -> tuple[str, ...]:
        out = []
        while qualname:
            out.append(qualname)
            fn = self.functions.get(qualname)
            qualname = fn.parent if fn else None
        return tuple(out)

    def _finalize(self) -> None:
        for fn in self.functions.values():
            scope = self._scope_of(fn.qualname)
            selves = self._selves(scope)
            for access in fn.accesses:
                self._resolve_access(access, fn, scope, selves)
                if access.kind == STORE and access.in_place:
                    access.kind = ITEM_STORE  # x[k] = v changes the object x names
                elif access.kind == MUTATE:
                    access.in_place = True  # x.append(v) changes the object, never the name
        for access in self.module_accesses:
            access.ref = StateRef(GLOBAL, access.root) if access.root in self.module_names else StateRef(UNKNOWN, access.root)
            access.in_place = access.depth > 0 or access.kind == MUTATE
            if access.kind == STORE and access.in_place:
                access.kind = ITEM_STORE
        for call in self.calls:
            call.callee = self._callee(call.node.func, call.scope, call.class_qualname)
            if call.callee:
                self._callers[call.callee].append(call)
        for call in self.calls:
            self._find_dispatch(call)
        self._dispatch_subclasses_started_elsewhere()
        self._mark_concurrency()

    def _resolve_access(self, access: Access, fn: FunctionInfo, scope: tuple[str, ...], selves: dict[str, str]) -> None:
        root, attr = access.root, access.attr
        if attr is not None and root in selves:
            access.ref = StateRef(SELF, attr, selves[root])
            access.in_place = access.depth > 1
            return
        if attr is not None and root in self.classes and self.name_kind(root, fn.qualname) == GLOBAL:
            access.ref = StateRef(CLASS, attr, root)
            access.in_place = access.depth > 1
            return
        if attr is not None and fn.class_qualname and "classmethod" in fn.decorators and root == _first_param(fn):
            access.ref = StateRef(CLASS, attr, fn.class_qualname)
            access.in_place = access.depth > 1
            return
        kind = self.name_kind(root, fn.qualname)
        owner = ""
        if kind == FREE:
            owner = self._binding_function(root, fn.qualname) or ""
        access.ref = StateRef(kind, root, owner)
        access.in_place = access.depth > 0

    def name_kind(self, name: str, qualname: Optional[str]) -> str:
        """What ``name`` means inside function ``qualname``: local, free, global or unknown."""
        fn = self.functions.get(qualname) if qualname else None
        if fn is None:
            return GLOBAL if name in self.module_names else UNKNOWN
        if name in fn.global_decls:
            return GLOBAL
        if name in fn.nonlocal_decls:
            return FREE
        if fn.binds_locally(name):
            return LOCAL
        if self._binding_function(name, fn.parent):
            return FREE
        return GLOBAL if name in self.module_names else UNKNOWN

    def _binding_function(self, name: str, qualname: Optional[str]) -> Optional[str]:
        while qualname:
            fn = self.functions.get(qualname)
            if fn is None:
                return None
            if fn.binds_locally(name) and not fn.is_lambda:
                return qualname
            qualname = fn.parent
        return None

    def _callee(self, func: cst.BaseExpression, scope: tuple[str, ...], class_qualname: Optional[str]) -> Optional[str]:
        """The module function a call (or a callable reference) means, if it is one of ours."""
        if isinstance(func, cst.Name):
            name = func.value
            for qualname in scope:
                nested = f"{qualname}.<locals>.{name}"
                if nested in self.functions:
                    return nested
                fn = self.functions.get(qualname)
                if fn is not None and fn.binds_locally(name):
                    return None
            if name in self.functions and self.functions[name].parent is None and not self.functions[name].class_qualname:
                return name
            if name in self.classes:
                return self.method(name, "__init__")
            return None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = func.value.value
            method = func.attr.value
            selves = self._selves(scope)
            if owner in selves:
                return self.method(selves[owner], method)
            if owner in self.classes:
                return self.method(owner, method)
            value = self.value_of(owner, scope)
            if value and value.endswith("()") and value[:-2] in self.classes:
                return self.method(value[:-2], method)
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute):
            # self.worker.run where self.worker = Worker(...)
            inner = func.value
            if isinstance(inner.value, cst.Name):
                selves = self._selves(scope)
                if inner.value.value in selves:
                    found = self.values.get((selves[inner.value.value], f"self.{inner.attr.value}"))
                    if found and found[0].endswith("()") and found[0][:-2] in self.classes:
                        return self.method(found[0][:-2], func.attr.value)
        return None

    def _find_dispatch(self, call: CallSite) -> None:
        node = call.node
        qualname = self.resolve(node.func, call.scope, call.class_qualname, call.line)
        call.qualname = qualname
        if qualname is None:
            return
        args = node.args
        if qualname in apis.PROCESS_CLASSES or qualname in apis.THREAD_CLASSES:
            context = apis.PROCESS if qualname in apis.PROCESS_CLASSES else apis.THREAD
            keyword = apis.TARGET_KEYWORDS[qualname]
            target = _arg(args, keyword, 1)
            payload = tuple(a.value for a in args if a.keyword and a.keyword.value in ("args", "kwargs"))
            payload += tuple(a.value for i, a in enumerate(_positional(args)) if i in (2, 3) and keyword == "function")
            payload += tuple(a.value for i, a in enumerate(_positional(args)) if i in (3, 4) and keyword == "target")
            if target is not None:
                self._add(call, context, qualname, "target", target, payload, pool=False)
            return
        subclass = self._thread_or_process_subclass(qualname)
        if subclass is not None:
            cls_name, context = subclass
            run = self.method(cls_name, "run")
            if run is not None:
                site = self._add(call, context, qualname, "run", None, (), pool=False)
                site.target = run
                site.form = "method"
            return
        base = qualname
        if base in apis.POOL_CONSTRUCTORS:
            position = apis.INITIALIZER_POSITION.get(base, -1)
            initializer = _arg(args, "initializer", position)
            if initializer is not None:
                initargs = _arg(args, "initargs", position + 1 if position >= 0 else -1)
                payload = (initargs,) if initargs is not None else ()
                self._add(call, apis.POOL_CONSTRUCTORS[base], base, "initializer", initializer, payload, pool=True)
            return
        if qualname in apis.THREAD_CALLS:
            target = _arg(args, "func", 0)
            if target is not None:
                self._add(call, apis.THREAD, qualname, "call", target, tuple(a.value for a in _positional(args)[1:]), pool=False)
            return
        if isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            owner = self.resolve(node.func.value, call.scope, call.class_qualname, call.line)
            if method == "run_in_executor":
                positional = _positional(args)
                if len(positional) >= 2:
                    executor = positional[0].value
                    if isinstance(executor, cst.Name) and executor.value == "None":
                        context = apis.THREAD
                    else:
                        context = self._pool_context(self.resolve(executor, call.scope, call.class_qualname, call.line))
                    if context is not None:
                        payload = tuple(a.value for a in positional[2:])
                        self._add(call, context, "loop.run_in_executor", "submit", positional[1].value, payload, pool=True)
                return
            if method in apis.POOL_METHODS:
                context = self._pool_context(owner)
                if context is None:
                    return
                target = _arg(args, apis.CALLABLE_KEYWORDS, 0)
                if target is None:
                    return
                payload = tuple(a.value for a in args if a.value is not target)
                role = "submit" if method in apis.SUBMIT_METHODS else "map"
                pool_name = owner[:-2] if owner else "pool"
                self._add(call, context, f"{pool_name}.{method}", role, target, payload, pool=True)

    def _dispatch_subclasses_started_elsewhere(self) -> None:
        """A Thread/Process subclass's ``run`` runs in a thread/child wherever the instance is
        started, usually in another module: the class that defines ``run`` stands in for the
        start when this module never starts it."""
        started = {site.target for site in self.dispatches if site.role == "run"}
        for qualname, cls in self.classes.items():
            kind = self._thread_or_process_subclass(qualname)
            run = cls.methods.get("run")
            if kind is None or run is None or run in started:
                continue
            self.dispatches.append(
                DispatchSite(
                    context=kind[1],
                    api=qualname,
                    role="run",
                    line=cls.line,
                    column=cls.column,
                    end_line=cls.line,
                    end_column=cls.column + len(cls.name),
                    caller=None,
                    call=cst.Call(func=cst.Name(cls.name)),  # no arguments are visible here
                    callable_node=None,
                    form="method",
                    target=run,
                    elsewhere=True,
                )
            )

    def _pool_context(self, owner: Optional[str]) -> Optional[str]:
        if owner and owner.endswith("()"):
            return apis.POOL_CONSTRUCTORS.get(owner[:-2])
        return None

    def _thread_or_process_subclass(self, qualname: str) -> Optional[tuple[str, str]]:
        if qualname not in self.classes:
            return None
        bases = self.class_bases(qualname)
        if bases & apis.PROCESS_CLASSES:
            return qualname, apis.PROCESS
        if bases & apis.THREAD_CLASSES:
            return qualname, apis.THREAD
        return None

    def _add(self, call: CallSite, context: str, api: str, role: str, target_node, payload, pool: bool) -> DispatchSite:
        node = call.node
        end = self.position(node).end
        site = DispatchSite(
            context=context,
            api=api,
            role=role,
            line=call.line,
            column=call.column,
            end_line=end.line,
            end_column=end.column,
            caller=call.caller,
            call=node,
            callable_node=target_node,
            in_loop=call.loop_depth > 0,
            loop_names=call.loop_names,
            payload=tuple(p for p in payload if p is not None),
            pool=pool,
        )
        if target_node is not None:
            site.form, site.target = self._callable(target_node, call)
        self.dispatches.append(site)
        return site

    def _callable(self, expr: cst.BaseExpression, call: CallSite) -> tuple[str, Optional[str]]:
        """(form, module function qualname) of a callable expression sent somewhere."""
        if isinstance(expr, cst.Lambda):
            pos = self.position(expr).start
            parent = call.scope[0] + ".<locals>." if call.scope else ""
            return "lambda", f"{parent}<lambda>@{pos.line}:{pos.column}"
        if isinstance(expr, cst.Call):
            func = self.resolve(expr.func, call.scope, call.class_qualname)
            if func in ("functools.partial", "partial") and expr.args:
                form, target = self._callable(expr.args[0].value, call)
                return ("partial" if form in ("function", "method") else form), target
            return "unknown", None
        target = self._callee(expr, call.scope, call.class_qualname)
        if target is not None:
            fn = self.functions[target]
            if fn.is_lambda:
                return "lambda", target
            if fn.class_qualname:
                return "method", target
            return ("nested" if fn.parent else "function"), target
        if isinstance(expr, cst.Name):
            value = self.value_of(expr.value, call.scope)
            if value == "<lambda>":
                found = None
                for key in (*call.scope, MODULE):
                    found = self.values.get((key, expr.value))
                    if found is not None:
                        break
                lam = found[1] if found else None
                return "lambda-name", self._lambda_qualname(lam)
            if value and value.startswith("functools.partial") and value.endswith("()"):
                return "partial", None
            if expr.value in self.imports:
                return "external", None
            if expr.value in _BUILTINS:
                return "builtin", None
        resolved = self.resolve(expr, call.scope, call.class_qualname)
        if resolved and resolved.split(".", 1)[0] in self.imports.values():
            return "external", None
        return "unknown", None

    def _lambda_qualname(self, node) -> Optional[str]:
        if node is None:
            return None
        for fn in self.functions.values():
            if fn.node is node:
                return fn.qualname
        return None

    def _mark_concurrency(self) -> None:
        counts: dict[str, int] = defaultdict(int)
        for site in self.dispatches:
            if site.target:
                counts[site.target] += 1
        for site in self.dispatches:
            site.concurrent = site.pool or site.in_loop or (site.target is not None and counts[site.target] > 1)


    # ---- process facts (PVT1xx) -----------------------------------------------------------
    def child_run(self, initializers: bool = False) -> dict[str, list[DispatchSite]]:
        """Functions run by child-process tasks (and what they call), each with the sites sending them.

        A pool's ``initializer`` is per-process setup, so it (and what only it reaches) is left out
        unless ``initializers`` is true.
        """
        out: dict[str, list[DispatchSite]] = defaultdict(list)
        for site in self.dispatches:
            if site.context != apis.PROCESS or site.target is None:
                continue
            if site.role == "initializer" and not initializers:
                continue
            for qualname in self.closure(site.target):
                out[qualname].append(site)
        return dict(out)

    def within(self, qualname: Optional[str], functions) -> bool:
        """Whether function ``qualname`` is one of ``functions`` or is defined inside one."""
        while qualname:
            if qualname in functions:
                return True
            fn = self.functions.get(qualname)
            qualname = fn.parent if fn else None
        return False

    def readers(self, name: str) -> list[Optional[str]]:
        """Scopes that read the value of module-level ``name`` (None: module level or a class body).

        Writing through the name (``name.append(v)``, ``name[k] = v``) is not reading it.
        """
        return sorted(
            (scope for scope in self._collector.loads.get(name, ()) if self.name_kind(name, scope) == GLOBAL),
            key=lambda s: s or "",
        )

    def tests_name(self, qualname: Optional[str], name: str) -> bool:
        """Whether an ``if`` in function ``qualname`` tests ``name`` (a lazy-init or memo check)."""
        return any(i.function == qualname and (name, None) in i.tested for i in self.ifs)

    def value_at(self, expr: cst.BaseExpression, scope: tuple[str, ...], class_qualname: Optional[str] = None) -> Optional[str]:
        """What an expression holds where it is used, e.g. "threading.Lock()"; None when unknown.

        Unlike ``resolve``, a parameter or an unassigned local hides a module-level value.
        """
        if isinstance(expr, cst.Call):
            func = self.resolve(expr.func, scope, class_qualname)
            return f"{func}()" if func else None
        if isinstance(expr, cst.Name):
            for qualname in scope:
                found = self.values.get((qualname, expr.value))
                if found is not None:
                    return found[0]
                fn = self.functions.get(qualname)
                if fn is not None and fn.binds_locally(expr.value):
                    return None
            found = self.values.get((MODULE, expr.value))
            return found[0] if found is not None else None
        if isinstance(expr, cst.Attribute):
            resolved = self.resolve(expr, scope, class_qualname)
            return resolved if resolved and resolved.endswith("()") else None
        return None

    def scope_of(self, qualname: Optional[str]) -> tuple[str, ...]:
        """The enclosing function qualnames of code in ``qualname``, innermost first."""
        return self._scope_of(qualname)

    def start_method(self, site: DispatchSite) -> Optional[str]:
        """The start method a dispatch names (``get_context("fork").Process``, or the default context after
        the module's ``set_start_method("fork")``), if any."""
        func = site.call.func
        if not isinstance(func, cst.Attribute):
            return None
        receiver = func.value
        if isinstance(receiver, cst.Name):
            scope = self._scope_of(site.caller)
            for key in (*scope, MODULE):
                found = self.values.get((key, receiver.value))
                if found is not None:
                    receiver = found[1]
                    break
        if isinstance(receiver, cst.Call) and (dotted(receiver.func) or "").endswith("get_context"):
            first = receiver.args[0].value if receiver.args else None
            if isinstance(first, cst.SimpleString):
                return first.evaluated_value
            return None
        return self._global_start_method

    @cached_property
    def _global_start_method(self) -> Optional[str]:
        """The one start method the module sets with ``set_start_method("...")``, if it sets exactly one."""
        methods = set()
        for call in self.calls:
            if call.qualname in _SET_START_METHOD:
                first = call.node.args[0].value if call.node.args else None
                methods.add(first.evaluated_value if isinstance(first, cst.SimpleString) else None)
        return methods.pop() if len(methods) == 1 else None

    def never_started(self, site: DispatchSite) -> bool:
        """A Process object bound to a name in a function that never starts it, nor hands it on.

        Handing on: calling a module function that starts processes, returning the name, storing it
        in a container or in another name.
        """
        if site.pool or site.role not in ("target", "run") or site.caller is None:
            return False
        names = [k[1] for k, v in self.values.items() if k[0] == site.caller and v[1] is site.call]
        if len(names) != 1:
            return False
        starters = {c.caller for c in self.calls
                    if isinstance(c.node.func, cst.Attribute) and c.node.func.attr.value == "start"}
        for call in self.calls:
            if call.caller != site.caller:
                continue
            if call.caller in starters or (call.callee and self.closure(call.callee) & starters):
                return False
            func = call.node.func
            if isinstance(func, cst.Attribute) and func.attr.value in apis.MUTATING_METHODS and any(
                isinstance(a.value, cst.Name) and a.value.value == names[0] for a in call.node.args
            ):
                return False
        return not _hands_on(self.functions[site.caller].node, names[0])

    def process_starts(self) -> list[tuple[CallSite, str]]:
        """Calls that start child processes when they run, each with what it does."""
        out: list[tuple[CallSite, str]] = []
        pool_sites = {id(s.call) for s in self.dispatches if s.context == apis.PROCESS and s.pool and s.role != "initializer"}
        for call in self.calls:
            name = call.qualname or ""
            if name in apis.PROCESS_STARTING_CALLS:
                out.append((call, apis.PROCESS_STARTING_CALLS[name]))
            elif name.endswith("().start") and self._is_process_class(name[: -len("().start")]):
                out.append((call, "starts a process"))
            elif apis.POOL_CONSTRUCTORS.get(name) == apis.PROCESS and name.endswith("Pool"):
                out.append((call, "starts a process pool"))
            elif id(call.node) in pool_sites:
                out.append((call, "sends work to a process pool"))
        return out

    def _is_process_class(self, qualname: str) -> bool:
        if qualname in apis.PROCESS_CLASSES:
            return True
        found = self._thread_or_process_subclass(qualname)
        return found is not None and found[1] == apis.PROCESS

    def import_time(self, call: CallSite) -> bool:
        """Whether a call runs when the module is imported (module level, outside the main guard)."""
        return call.caller is None and not self.in_main_guard(call.line)

def _first_param(fn: FunctionInfo) -> Optional[str]:
    node = fn.node
    if isinstance(node, cst.FunctionDef):
        positional = [*node.params.posonly_params, *node.params.params]
        if positional:
            return positional[0].name.value
    return None


def _positional(args: Iterable[cst.Arg]) -> list[cst.Arg]:
    return [a for a in args if a.keyword is None and not a.star]


def _arg(args, keyword, position: int) -> Optional[cst.BaseExpression]:
    keywords = (keyword,) if isinstance(keyword, str) else tuple(keyword)
    for arg in args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    positional = _positional(args)
    if 0 <= position < len(positional):
        return positional[position].value
    return None


_BUILTINS = frozenset(dir(__import__("builtins")))


def _hands_on(node: cst.CSTNode, name: str) -> bool:
    """Does the function return ``name`` or assign it to another name (``return p``, ``q = p``)?"""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Return, cst.Assign)) and isinstance(current.value, cst.Name):
            if current.value.value == name:
                return True
        stack.extend(code_children(current))
    return False

