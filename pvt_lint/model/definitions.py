"""The walk's first visitor: the scopes code runs in, what each module defines, and what names hold.

It keeps the stack of frames (module, class bodies, functions, lambdas) that the other visitors of the
walk read, and fills the ``Scopes`` tables: imports, functions, classes, module-level names, and the
values bound to names (``pool = ProcessPoolExecutor()``) in source order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst
from libcst.metadata import CodeRange

from .facts import MODULE, Binding, ClassInfo, FunctionInfo
from ..apis import normalize
from .scopes import Scopes
from .syntax import dotted, flatten, param_names

_PLACEHOLDERS = frozenset({"None", "<constant>"})


@dataclass
class Frame:
    """Where the walk is: a function (or lambda), or the module or a class body (``qualname`` None)."""

    qualname: Optional[str]
    function: Optional[FunctionInfo]
    with_locks: list[str] = field(default_factory=list)
    acquired: list[str] = field(default_factory=list)
    loop_depth: int = 0
    loop_names: list[frozenset[str]] = field(default_factory=list)  # names each enclosing loop binds

    def locks(self) -> frozenset[str]:
        return frozenset(self.with_locks) | frozenset(self.acquired)


class DefinitionVisitor(cst.BatchableCSTVisitor):
    """Runs first in the walk: the frames the other visitors read are pushed before they visit."""

    def __init__(self, scopes: Scopes, positions) -> None:
        super().__init__()
        self.scopes = scopes
        self.positions = positions
        self._frames: list[Frame] = [Frame(None, None)]
        self._classes: list[ClassInfo] = []

    # ---- where the walk is -------------------------------------------------------------------
    @property
    def frame(self) -> Frame:
        """The innermost frame."""
        return self._frames[-1]

    def scope(self) -> tuple[str, ...]:
        """The enclosing function qualnames, innermost first."""
        return tuple(f.qualname for f in reversed(self._frames) if f.qualname is not None)

    def at_module_level(self) -> bool:
        return self._frames[-1].qualname is None and not self._classes

    def class_for_self(self) -> Optional[str]:
        """The class whose instance ``self`` means here (the innermost method's, else the class body's)."""
        for frame in reversed(self._frames):
            if frame.function is not None and frame.function.class_qualname:
                return frame.function.class_qualname
        return self._classes[-1].qualname if self._classes else None

    def resolve_now(self, expr: cst.BaseExpression) -> Optional[str]:
        """Resolve a dotted expression through imports and the values bound so far."""
        text = dotted(expr)
        if text is None:
            return None
        scope = self.scope()
        return self.scopes.resolve_text(text, scope, self.scopes.selves(scope))

    def _pos(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    # ---- bindings ------------------------------------------------------------------------------
    def _bind(self, name: str, node: cst.CSTNode, kind: str, value: Optional[cst.BaseExpression]) -> None:
        frame = self._frames[-1]
        fn = frame.function
        resolved = self._value_of(value) if value is not None else None
        if fn is not None and name not in fn.global_decls:
            fn.bound.add(name)
            key = (frame.qualname, name)
        elif fn is not None or not self._classes:
            if name not in self.scopes.module_names:
                self.scopes.module_names[name] = Binding(name, self._pos(node).start.line, kind, resolved)
            key = (MODULE, name)
        else:  # a class attribute, reachable as self.name
            key = (self._classes[-1].qualname, f"self.{name}")
        if resolved is not None:
            self._set_value(key, resolved, value)

    def _set_value(self, key: tuple[str, str], resolved: str, node) -> None:
        values = self.scopes.values
        # Keep the informative binding: `_pool = None` and later `_pool = Pool()` mean a pool.
        existing = values.get(key)
        if existing is None or existing[0] in _PLACEHOLDERS:
            values[key] = (resolved, node)
        if key[0] != MODULE and key[0] not in self.scopes.classes and resolved not in _PLACEHOLDERS:
            # A function's own names run in order: `pool` may hold a thread pool, then a process pool.
            self.scopes.rebinds.setdefault(key, []).append((self._pos(node).start.line, resolved))

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
        return self.resolve_now(value)

    def bind_target(self, target: cst.BaseExpression, node: cst.CSTNode, kind: str, value) -> None:
        """Record what an assignment target (a name, a tuple of them, ``self.x``) is bound to."""
        if isinstance(target, cst.Name):
            self._bind(target.value, node, kind, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.bind_target(element.value, node, kind, None)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, node, kind, None)
        elif isinstance(target, cst.Attribute) and value is not None:
            scope = self.scope()
            owner = self.scopes.selves(scope)
            if isinstance(target.value, cst.Name) and target.value.value in owner:
                resolved = self._value_of(value)
                if resolved is not None:
                    key = (owner[target.value.value], f"self.{target.attr.value}")
                    self._set_value(key, resolved, value)

    def mark_local(self, name: str) -> None:
        """A name the current function binds without a value worth keeping (``x += 1``, ``del x``)."""
        fn = self._frames[-1].function
        if fn is not None and name not in fn.global_decls:
            fn.bound.add(name)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.bind_target(target.target, node, "assign", node.value if len(node.targets) == 1 else None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.bind_target(node.target, node, "assign", node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.mark_local(node.target.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.bind_target(node.target, node, "assign", node.value)

    def visit_Del(self, node: cst.Del) -> None:
        for single in flatten(node.target):
            if isinstance(single, cst.Name):
                self.mark_local(single.value)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind(node.name.name.value, node, "other", None)

    def visit_For(self, node: cst.For) -> None:
        self.bind_target(node.target, node, "other", None)

    # ---- imports -------------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        imports = self.scopes.imports
        for alias in node.names:
            full = dotted(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
                imports[local] = full
            else:
                local = full.split(".", 1)[0]
                imports[local] = local
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
                self.scopes.imports[local] = normalize(f"{module}.{name}")
            self._bind(local, node, "import", None)

    # ---- definitions ---------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        parent = self._frames[-1].qualname
        prefix = f"{parent}.<locals>." if parent else (f"{self._classes[-1].qualname}." if self._classes else "")
        qualname = prefix + node.name.value
        bases = []
        for base in node.bases:
            if base.keyword is None:
                resolved = self.resolve_now(base.value)
                if resolved:
                    bases.append(resolved)
        pos = self._pos(node.name)
        info = ClassInfo(qualname, node.name.value, pos.start.line, pos.start.column, tuple(bases), parent=parent)
        self.scopes.classes[qualname] = info
        self._bind(node.name.value, node, "class", None)
        self._classes.append(info)
        self._frames.append(Frame(None, None))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._frames.pop()
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        name = node.name.value
        self._bind(name, node, "def", None)
        parent = self._frames[-1].qualname
        cls = self._classes[-1] if (self._classes and parent is None) else None
        if parent is not None:
            qualname = f"{parent}.<locals>.{name}"
        elif cls is not None:
            qualname = f"{cls.qualname}.{name}"
        else:
            qualname = name
        decorators = tuple(filter(None, (dotted(d.decorator) for d in node.decorators)))
        self_name = None
        if cls is not None and "staticmethod" not in decorators:
            positional = [*node.params.posonly_params, *node.params.params]
            if positional:
                self_name = positional[0].name.value
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
            params=param_names(node.params),
        )
        functions = self.scopes.functions
        if qualname in functions:  # redefinition (property setters, conditional defs)
            qualname = f"{qualname}@{info.line}"
            info.qualname = qualname
        elif cls is not None:
            cls.methods[name] = qualname
        functions[qualname] = info
        self._frames.append(Frame(qualname, info))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._frames.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        pos = self._pos(node)
        parent = self._frames[-1].qualname
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
            params=param_names(node.params),
        )
        self.scopes.functions[qualname] = info
        # A lambda runs where it is called; locks held where it is written are not held then.
        self._frames.append(Frame(qualname, info))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._frames.pop()

    def visit_Global(self, node: cst.Global) -> None:
        fn = self._frames[-1].function
        if fn is not None:
            fn.global_decls.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        fn = self._frames[-1].function
        if fn is not None:
            fn.nonlocal_decls.update(item.name.value for item in node.names)
