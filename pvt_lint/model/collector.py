"""The one visitor that gathers a module's concurrency facts during the shared traversal.

It records, in source order, what it can see locally (imports, functions, classes, bindings, writes,
calls, lock regions, ifs) and leaves everything that depends on code further down the file
(which function a name means, what an executor variable holds) to ``ModuleModel.finalize``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Optional

import libcst as cst
from libcst.metadata import CodeRange

from .. import apis
from ..apis import lock_like, normalize
from .facts import (
    DELETE,
    MUTATE,
    RMW,
    STORE,
    Access,
    Binding,
    CallSite,
    ClassInfo,
    FunctionInfo,
    IfInfo,
)
from .work import WorkCollector
from ..walk import code_children

MODULE = "<module>"
_PLACEHOLDERS = frozenset({"None", "<constant>"})


def dotted(expr: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` -> "a.b.c", ``a.b()`` -> "a.b()"; None for anything else."""
    return apis.dotted(expr, _SPELLING)


_SPELLING = apis.Spelling(cst.Name, attrgetter("value"), cst.Attribute, attrgetter("attr.value"), cst.Call)


def target_root(expr: cst.BaseExpression) -> Optional[tuple[str, Optional[str], int]]:
    """(root name, first attribute, number of trailers) of an assignment target."""
    chain: list[cst.BaseExpression] = []
    node = expr
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        chain.append(node)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    first = chain[-1] if chain else None
    attr = first.attr.value if isinstance(first, cst.Attribute) else None
    return node.value, attr, len(chain)


def names_read(expr: cst.CSTNode) -> set[tuple[str, Optional[str]]]:
    """The (root, attr) pairs an expression reads, without descending into lambdas."""
    found: set[tuple[str, Optional[str]]] = set()
    stack: list[cst.CSTNode] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
            root = target_root(node)
            if root is not None:
                found.add((root[0], root[1]))
                found.add((root[0], None))
        stack.extend(code_children(node))
    return found


def is_lock_expr(expr: cst.BaseExpression) -> bool:
    """A ``with`` item that looks like a lock by its name (values are checked at finalize)."""
    if isinstance(expr, cst.Call) and expr.args:
        return False
    name = dotted(expr)
    return name is not None and lock_like(name)


@dataclass
class _Frame:
    qualname: Optional[str]  # None for the module and class bodies
    function: Optional[FunctionInfo]
    with_locks: list[str] = field(default_factory=list)
    acquired: list[str] = field(default_factory=list)
    loop_depth: int = 0
    loop_names: list[frozenset[str]] = field(default_factory=list)  # names each enclosing loop binds

    def locks(self) -> frozenset[str]:
        return frozenset(self.with_locks) | frozenset(self.acquired)


class Collector(cst.BatchableCSTVisitor):
    """Positions come resolved once by the engine, so the model can use them after the walk."""

    def __init__(self, positions) -> None:
        super().__init__()
        self.positions = positions
        self.imports: dict[str, str] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.module_names: dict[str, Binding] = {}
        # (scope qualname or MODULE or class qualname, name or "self.attr") -> (dotted value, node)
        self.values: dict[tuple[str, str], tuple[str, cst.BaseExpression]] = {}
        # (function qualname, name) -> every informative binding in source order: (line, dotted value)
        self.rebinds: dict[tuple[str, str], list[tuple[int, str]]] = {}
        self.calls: list[CallSite] = []
        self.ifs: list[IfInfo] = []
        self.module_accesses: list[Access] = []
        self.main_guards: list[tuple[int, int]] = []
        self.lock_withs: list[tuple[Optional[str], str, int]] = []  # (function, lock text, line)
        self._frames: list[_Frame] = [_Frame(None, None)]
        self._classes: list[ClassInfo] = []
        self._lambda_count = 0
        self._statements: list[cst.CSTNode] = []
        self.work = WorkCollector(self)  # loops and GIL facts, visited in the same traversal
        # name -> scopes (function qualname, None for module level and class bodies) that read its
        # value; a name that is only bound, declared or written through (x.append, x[k] = v) is not read
        self.loads: dict[str, set[Optional[str]]] = {}
        self._not_loads: set[int] = set()  # ids of Name nodes that bind, declare or name an attribute

    # ---- helpers -------------------------------------------------------------------------
    def _pos(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    @property
    def _frame(self) -> _Frame:
        return self._frames[-1]

    def _scope(self) -> tuple[str, ...]:
        return tuple(f.qualname for f in reversed(self._frames) if f.qualname is not None)

    def _scope_key(self) -> str:
        return self._frame.qualname or MODULE

    def _at_module_level(self) -> bool:
        return self._frame.qualname is None and not self._classes

    def _resolve_now(self, expr: cst.BaseExpression) -> Optional[str]:
        """Resolve a dotted expression through imports and the values bound so far."""
        text = dotted(expr)
        return None if text is None else self.resolve_text(text, self._scope(), self.functions_by_self())

    def resolve_text(self, text: str, scope: tuple[str, ...], selves: dict[str, str], line: Optional[int] = None) -> str:
        """``ex.submit`` -> "concurrent.futures.ProcessPoolExecutor().submit" when ``ex`` holds one.

        With ``line``, a function's local name that is bound more than once means its last binding at or
        before that line.
        """
        head, sep, rest = text.partition(".")
        call_suffix = "()" if head.endswith("()") else ""
        head_name = head[: -len(call_suffix)] if call_suffix else head
        if head_name in selves and sep and not call_suffix:
            first, _, tail = rest.partition(".")
            attr = first[:-2] if first.endswith("()") else first
            found = self.values.get((selves[head_name], f"self.{attr}"))
            if found is not None:
                suffix = first[len(attr):]
                return normalize(found[0] + suffix + (f".{tail}" if tail else ""))
        replacement = None
        for key in (*scope, MODULE):
            found = self.values.get((key, head_name))
            if found is not None:
                replacement = found[0]
                history = self.rebinds.get((key, head_name)) if line is not None else None
                if history and len(history) > 1:
                    before = [value for bound_at, value in history if bound_at <= line]
                    replacement = before[-1] if before else replacement
                break
        if replacement is None:
            replacement = self.imports.get(head_name)
        if replacement is None:
            return normalize(text)
        return normalize(replacement + call_suffix + (sep + rest if sep else ""))

    def functions_by_self(self) -> dict[str, str]:
        """The self-parameter names in scope, mapped to their class qualname."""
        out: dict[str, str] = {}
        for frame in self._frames:
            fn = frame.function
            if fn is not None and fn.self_name and fn.class_qualname:
                out[fn.self_name] = fn.class_qualname
        return out

    def _bind(self, name: str, node: cst.CSTNode, kind: str, value: Optional[cst.BaseExpression]) -> None:
        frame = self._frame
        fn = frame.function
        resolved = self._value_of(value) if value is not None else None
        if fn is not None and name not in fn.global_decls:
            fn.bound.add(name)
            key = (frame.qualname, name)
        elif fn is not None or not self._classes:
            if name not in self.module_names:
                self.module_names[name] = Binding(name, self._pos(node).start.line, kind, resolved)
            key = (MODULE, name)
        else:  # a class attribute, reachable as self.name
            key = (self._classes[-1].qualname, f"self.{name}")
        if resolved is not None:
            self._set_value(key, resolved, value)

    def _set_value(self, key: tuple[str, str], resolved: str, node) -> None:
        # Keep the informative binding: `_pool = None` and later `_pool = Pool()` mean a pool.
        existing = self.values.get(key)
        if existing is None or existing[0] in _PLACEHOLDERS:
            self.values[key] = (resolved, node)
        if key[0] != MODULE and key[0] not in self.classes and resolved not in _PLACEHOLDERS:
            # A function's own names run in order: `pool` may hold a thread pool, then a process pool.
            self.rebinds.setdefault(key, []).append((self._pos(node).start.line, resolved))

    def _value_of(self, value: cst.BaseExpression) -> Optional[str]:
        if isinstance(value, cst.Lambda):
            return "<lambda>"
        if isinstance(value, (cst.List, cst.ListComp)):
            return "[]"
        if isinstance(value, (cst.Dict, cst.DictComp)):
            return "{}"
        if isinstance(value, (cst.Set, cst.SetComp)):
            return "set()"
        if isinstance(value, cst.Tuple):
            return "()"
        if isinstance(value, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            return "<constant>"
        return self._resolve_now(value)

    def _bind_target(self, target: cst.BaseExpression, node: cst.CSTNode, kind: str, value) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, node, kind, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, node, kind, None)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, node, kind, None)
        elif isinstance(target, cst.Attribute) and value is not None:
            owner = self.functions_by_self()
            if isinstance(target.value, cst.Name) and target.value.value in owner:
                resolved = self._value_of(value)
                if resolved is not None:
                    key = (owner[target.value.value], f"self.{target.attr.value}")
                    self._set_value(key, resolved, value)

    def _record(self, kind: str, target: cst.BaseExpression, statement: cst.CSTNode, via: str = "") -> None:
        root = target_root(target)
        if root is None:
            return
        pos = self._pos(target)
        frame = self._frame
        access = Access(
            kind=kind,
            function=frame.qualname,
            line=pos.start.line,
            column=pos.start.column,
            end_line=pos.end.line,
            end_column=pos.end.column,
            root=root[0],
            attr=root[1],
            depth=root[2],
            locks=frame.locks(),
            text=cst.Module([]).code_for_node(target),
            via=via,
            statement=statement,
            target=target,
        )
        if frame.function is not None:
            frame.function.accesses.append(access)
        else:
            self.module_accesses.append(access)

    # ---- imports -------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                self.imports[local] = full
            else:
                local = full.split(".", 1)[0]
                self.imports[local] = local
            self._bind(local, node, "import", None)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            module = None
        else:
            module = dotted(node.module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            if module is not None:
                self.imports[local] = normalize(f"{module}.{name}")
            self._bind(local, node, "import", None)

    # ---- scopes --------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        parent = self._frame.qualname
        prefix = f"{parent}.<locals>." if parent else (f"{self._classes[-1].qualname}." if self._classes else "")
        qualname = prefix + node.name.value
        bases = []
        for arg in node.bases:
            if arg.keyword is None:
                resolved = self._resolve_now(arg.value)
                if resolved:
                    bases.append(resolved)
        pos = self._pos(node.name)
        info = ClassInfo(qualname, node.name.value, pos.start.line, pos.start.column, tuple(bases), parent=parent)
        self.classes[qualname] = info
        self._bind(node.name.value, node, "class", None)
        self._classes.append(info)
        self._frames.append(_Frame(None, None))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._frames.pop()
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        self._bind(name, node, "def", None)
        parent = self._frame.qualname
        cls = self._classes[-1] if (self._classes and parent is None) else None
        if parent is not None:
            qualname = f"{parent}.<locals>.{name}"
        elif cls is not None:
            qualname = f"{cls.qualname}.{name}"
        else:
            qualname = name
        decorators = tuple(filter(None, (dotted(d.decorator) for d in node.decorators)))
        params = _param_names(node.params)
        self_name = None
        if cls is not None and "staticmethod" not in decorators:
            positional = [*node.params.posonly_params, *node.params.params]
            if positional:
                self_name = positional[0].name.value
        elif parent is not None:
            self_name = None
        pos = self._pos(node)
        name_pos = self._pos(node.name)
        info = FunctionInfo(
            qualname=qualname,
            name=name,
            line=name_pos.start.line,
            column=name_pos.start.column,
            end_line=pos.end.line,
            node=node,
            parent=parent,
            class_qualname=cls.qualname if cls is not None else None,
            self_name=self_name,
            decorators=decorators,
            params=params,
        )
        if qualname in self.functions:  # redefinition (property setters, conditional defs)
            qualname = f"{qualname}@{info.line}"
            info.qualname = qualname
        else:
            if cls is not None:
                cls.methods[name] = qualname
        self.functions[qualname] = info
        self._frames.append(_Frame(qualname, info))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._frames.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._lambda_count += 1
        pos = self._pos(node)
        parent = self._frame.qualname
        qualname = f"{parent + '.<locals>.' if parent else ''}<lambda>@{pos.start.line}:{pos.start.column}"
        info = FunctionInfo(
            qualname=qualname,
            name="<lambda>",
            line=pos.start.line,
            column=pos.start.column,
            end_line=pos.end.line,
            node=node,
            parent=parent,
            is_lambda=True,
            params=_param_names(node.params),
        )
        self.functions[qualname] = info
        frame = _Frame(qualname, info)
        # A lambda runs where it is called; locks held where it is written are not held then.
        self._frames.append(frame)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._frames.pop()

    def visit_Global(self, node: cst.Global) -> None:
        fn = self._frame.function
        if fn is not None:
            fn.global_decls.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        fn = self._frame.function
        if fn is not None:
            fn.nonlocal_decls.update(item.name.value for item in node.names)

    # ---- loops ---------------------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, node, "other", None)
        self._frame.loop_depth += 1
        self._frame.loop_names.append(_names_bound(node.target))

    def leave_For(self, original_node: cst.For) -> None:
        self._frame.loop_depth -= 1
        self._frame.loop_names.pop()

    def visit_While(self, node: cst.While) -> None:
        self._frame.loop_depth += 1

    def leave_While(self, original_node: cst.While) -> None:
        self._frame.loop_depth -= 1

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._frame.loop_depth += 1

    def leave_CompFor(self, original_node: cst.CompFor) -> None:
        self._frame.loop_depth -= 1

    # A comprehension's element is visited before its ``for``: count the whole comprehension as a loop,
    # binding the names of every one of its ``for`` clauses.
    def _enter_comprehension(self, node) -> None:
        self._frame.loop_depth += 1
        names: set[str] = set()
        clause = node.for_in
        while clause is not None:
            names |= _names_bound(clause.target)
            clause = clause.inner_for_in
        self._frame.loop_names.append(frozenset(names))

    def _leave_comprehension(self) -> None:
        self._frame.loop_depth -= 1
        self._frame.loop_names.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._enter_comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave_comprehension()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._enter_comprehension(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._leave_comprehension()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._enter_comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave_comprehension()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._enter_comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave_comprehension()

    # ---- bindings and writes --------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        value_reads = None
        for target in node.targets:
            t = target.target
            self._bind_target(t, node, "assign", node.value if len(node.targets) == 1 else None)
            for single in _flatten(t):
                root = target_root(single)
                if root is None:
                    continue
                if value_reads is None:
                    value_reads = names_read(node.value)
                reads_itself = (root[0], root[1]) in value_reads if root[1] else (root[0], None) in value_reads
                if root[2] > 0 and root[1] is None:
                    reads_itself = (root[0], None) in value_reads
                self._record(RMW if reads_itself else STORE, single, node, via="=")

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None:
            return
        self._bind_target(node.target, node, "assign", node.value)
        root = target_root(node.target)
        if root is not None:
            reads = names_read(node.value)
            self._record(RMW if (root[0], root[1]) in reads else STORE, node.target, node, via="=")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if isinstance(target, cst.Name):
            fn = self._frame.function
            if fn is not None and target.value not in fn.global_decls:
                fn.bound.add(target.value)
        op = cst.Module([]).code_for_node(node.operator).strip()
        self._record(RMW, target, node, via=op)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node, "assign", node.value)

    def visit_Del(self, node: cst.Del) -> None:
        for single in _flatten(node.target):
            if isinstance(single, cst.Name):
                fn = self._frame.function
                if fn is not None and single.value not in fn.global_decls:
                    fn.bound.add(single.value)
            self._record(DELETE, single, node, via="del")

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind(node.name.name.value, node, "other", None)

    # ---- with: lock regions and bound executors -------------------------------------------
    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None:
                self._bind_target(item.asname.name, node, "assign", item.item)
            text = dotted(item.item)
            if text is not None and (is_lock_expr(item.item) or self._is_lock_value(item.item)):
                self._frame.with_locks.append(text)
                self.lock_withs.append((self._frame.qualname, text, self._pos(node).start.line))
            else:
                self._frame.with_locks.append("")

    def leave_With(self, original_node: cst.With) -> None:
        for _ in original_node.items:
            self._frame.with_locks.pop()

    def _is_lock_value(self, expr: cst.BaseExpression) -> bool:
        resolved = self._resolve_now(expr)
        return resolved is not None and apis.lock_value(resolved)

    # ---- calls ---------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        frame = self._frame
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = dotted(func.value)
            if method == "acquire" and receiver is not None:
                frame.acquired.append(receiver)
            elif method == "release" and receiver is not None and receiver in frame.acquired:
                frame.acquired.remove(receiver)
            elif method in apis.MUTATING_METHODS:
                self._record(MUTATE, func.value, self._statements[-1] if self._statements else node, via=method)
        pos = self._pos(node)
        self.calls.append(
            CallSite(
                caller=frame.qualname,
                node=node,
                scope=self._scope(),
                class_qualname=self._current_class_for_self(),
                line=pos.start.line,
                column=pos.start.column,
                locks=frame.locks(),
                loop_depth=frame.loop_depth,
                loop_names=frozenset().union(*frame.loop_names),
                qualname=self._resolve_now(func),
            )
        )

    def _current_class_for_self(self) -> Optional[str]:
        for frame in reversed(self._frames):
            if frame.function is not None and frame.function.class_qualname:
                return frame.function.class_qualname
        return self._classes[-1].qualname if self._classes else None

    # ---- statements, ifs and the main guard ------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statements.append(node)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._statements.pop()

    def visit_If(self, node: cst.If) -> None:
        pos = self._pos(node)
        body = self._pos(node.body)
        if self._at_module_level() and _is_main_guard(node.test):
            self.main_guards.append((body.start.line, body.end.line))
        self._statements.append(node)
        self.ifs.append(
            IfInfo(
                function=self._frame.qualname,
                line=pos.start.line,
                column=pos.start.column,
                end_line=pos.end.line,
                end_column=pos.end.column,
                node=node,
                tested=frozenset(names_read(node.test)),
                body=(body.start.line, body.end.line),
                locks=self._frame.locks(),
            )
        )

    def leave_If(self, original_node: cst.If) -> None:
        self._statements.pop()

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._not_loads:
            self.loads.setdefault(node.value, set()).add(self._frame.qualname)

    # ---- names that are not reads (attribute visitors run before the Name is visited) -------
    def _not_load(self, target: Optional[cst.CSTNode], written_through: bool = False) -> None:
        if isinstance(target, (cst.Tuple, cst.List, cst.StarredElement)):
            for single in _flatten(target):
                self._not_load(single, written_through)
        elif written_through and isinstance(target, (cst.Attribute, cst.Subscript)):
            self._not_load(target.value, written_through)
        elif isinstance(target, cst.Name):
            self._not_loads.add(id(target))

    def visit_AssignTarget_target(self, node: cst.AssignTarget) -> None:
        self._not_load(node.target, written_through=True)

    def visit_AnnAssign_target(self, node: cst.AnnAssign) -> None:
        self._not_load(node.target, written_through=True)

    def visit_AugAssign_target(self, node: cst.AugAssign) -> None:
        self._not_load(node.target, written_through=True)

    def visit_Call_func(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in apis.MUTATING_METHODS:
            self._not_load(func.value, written_through=True)

    def visit_For_target(self, node: cst.For) -> None:
        self._not_load(node.target)

    def visit_CompFor_target(self, node: cst.CompFor) -> None:
        self._not_load(node.target)

    def visit_NamedExpr_target(self, node: cst.NamedExpr) -> None:
        self._not_load(node.target)

    def visit_Del_target(self, node: cst.Del) -> None:
        self._not_load(node.target, written_through=True)

    def visit_AsName_name(self, node: cst.AsName) -> None:
        self._not_load(node.name)

    def visit_Attribute_attr(self, node: cst.Attribute) -> None:
        self._not_load(node.attr)

    def visit_NameItem_name(self, node: cst.NameItem) -> None:
        self._not_load(node.name)

    def visit_FunctionDef_name(self, node: cst.FunctionDef) -> None:
        self._not_load(node.name)

    def visit_ClassDef_name(self, node: cst.ClassDef) -> None:
        self._not_load(node.name)

    def visit_Param_name(self, node: cst.Param) -> None:
        self._not_load(node.name)

    def visit_Arg_keyword(self, node: cst.Arg) -> None:
        self._not_load(node.keyword)

    def visit_ImportAlias_name(self, node: cst.ImportAlias) -> None:
        self._not_load(node.name)


def _names_bound(target: cst.BaseExpression) -> frozenset[str]:
    """The plain names a loop target binds: ``i`` and ``row`` of ``for i, (row, self.x) in ...``."""
    return frozenset(single.value for single in _flatten(target) if isinstance(single, cst.Name))


def _flatten(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[cst.BaseExpression] = []
        for element in target.elements:
            out.extend(_flatten(element.value))
        return out
    if isinstance(target, cst.StarredElement):
        return _flatten(target.value)
    return [target]


def _param_names(params: cst.Parameters) -> set[str]:
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    comparison = test.comparisons[0]
    if not isinstance(comparison.operator, cst.Equal):
        return False
    sides = [test.left, comparison.comparator]
    names = [s.value for s in sides if isinstance(s, cst.Name)]
    strings = [s.evaluated_value for s in sides if isinstance(s, cst.SimpleString)]
    return names == ["__name__"] and strings == ["__main__"]
