"""Name resolution: what a name or a dotted expression means where it is used.

``Scopes`` reads the tables the collector fills (imports, functions, classes, module-level names and the
values bound to names). The collector resolves through it during the walk, with the bindings seen so far;
the model resolves through it once the whole module has been seen.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..apis import normalize
from .facts import FREE, GLOBAL, LOCAL, MODULE, UNKNOWN, Binding, ClassInfo, FunctionInfo
from .syntax import dotted

# (scope key, name or "self.attr") -> (dotted value, the node bound)
Values = dict[tuple[str, str], tuple[str, cst.BaseExpression]]


class Scopes:
    """A module's names: imports, definitions and bound values, looked up through nested scopes."""

    def __init__(self) -> None:
        self.imports: dict[str, str] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.classes: dict[str, ClassInfo] = {}
        self.module_names: dict[str, Binding] = {}
        # Keys are a function qualname, MODULE, or a class qualname (for "self.attr" of its instances).
        self.values: Values = {}
        # (function qualname, name) -> every informative binding in source order: (line, dotted value)
        self.rebinds: dict[tuple[str, str], list[tuple[int, str]]] = {}

    # ---- the one lookup: through the enclosing functions, then the module ----------------------
    def lookup(
        self, name: str, scope: tuple[str, ...], locals_hide: bool = False
    ) -> Optional[tuple[str, tuple[str, cst.BaseExpression]]]:
        """The innermost known binding of ``name`` as (scope key, (value, node)), or None.

        With ``locals_hide``, a function that binds ``name`` without a known value (a parameter, an
        unassigned local) hides the module's binding.
        """
        values = self.values
        for key in scope:
            found = values.get((key, name))
            if found is not None:
                return key, found
            if locals_hide:
                fn = self.functions.get(key)
                if fn is not None and fn.binds_locally(name):
                    return None
        found = values.get((MODULE, name))
        return (MODULE, found) if found is not None else None

    def value_of(self, name: str, scope: tuple[str, ...] = ()) -> Optional[str]:
        """The dotted value bound to ``name`` as seen from ``scope`` (e.g. "threading.Lock()")."""
        found = self.lookup(name, scope)
        return found[1][0] if found is not None else None

    def resolve_text(
        self, text: str, scope: tuple[str, ...], selves: dict[str, str], line: Optional[int] = None
    ) -> str:
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
        bound = self.lookup(head_name, scope)
        if bound is not None:
            key, (replacement, _node) = bound
            history = self.rebinds.get((key, head_name)) if line is not None else None
            if history and len(history) > 1:
                before = [value for bound_at, value in history if bound_at <= line]
                replacement = before[-1] if before else replacement
        if replacement is None or (replacement == "None" and head_name in self.imports):
            # ``except ImportError: multiprocessing = None`` is the fallback when the import fails;
            # the code that uses the name means the module
            replacement = self.imports.get(head_name)
        if replacement is None:
            return normalize(text)
        return normalize(replacement + call_suffix + (sep + rest if sep else ""))

    def resolve(
        self, expr: cst.BaseExpression, scope: tuple[str, ...], line: Optional[int] = None
    ) -> Optional[str]:
        """An expression's dotted name through imports and bound values (as bound at ``line``)."""
        text = dotted(expr)
        if text is None:
            return None
        return self.resolve_text(text, scope, self.selves(scope), line)

    def resolve_in(self, text: str, function: Optional[str]) -> str:
        """A dotted name as seen from inside ``function``, through imports and bound values."""
        scope = self.scope_of(function)
        return self.resolve_text(text, scope, self.selves(scope))

    def value_at(self, expr: cst.BaseExpression, scope: tuple[str, ...]) -> Optional[str]:
        """What an expression holds where it is used, e.g. "threading.Lock()"; None when unknown.

        Unlike ``resolve``, a parameter or an unassigned local hides a module-level value.
        """
        if isinstance(expr, cst.Call):
            func = self.resolve(expr.func, scope)
            return f"{func}()" if func else None
        if isinstance(expr, cst.Name):
            found = self.lookup(expr.value, scope, locals_hide=True)
            return found[1][0] if found is not None else None
        if isinstance(expr, cst.Attribute):
            resolved = self.resolve(expr, scope)
            return resolved if resolved and resolved.endswith("()") else None
        return None

    # ---- scopes ----------------------------------------------------------------------------------
    def scope_of(self, qualname: Optional[str]) -> tuple[str, ...]:
        """The enclosing function qualnames of code in ``qualname``, innermost first."""
        out = []
        while qualname:
            out.append(qualname)
            fn = self.functions.get(qualname)
            qualname = fn.parent if fn else None
        return tuple(out)

    def selves(self, scope: tuple[str, ...]) -> dict[str, str]:
        """The self-parameter names visible in ``scope``, mapped to their class qualname."""
        out: dict[str, str] = {}
        for qualname in reversed(scope):
            fn = self.functions.get(qualname)
            if fn is not None and fn.self_name and fn.class_qualname:
                out[fn.self_name] = fn.class_qualname
        return out

    def within(self, qualname: Optional[str], functions) -> bool:
        """Whether function ``qualname`` is one of ``functions`` or is defined inside one."""
        while qualname:
            if qualname in functions:
                return True
            fn = self.functions.get(qualname)
            qualname = fn.parent if fn else None
        return False

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
        if self.binding_function(name, fn.parent):
            return FREE
        return GLOBAL if name in self.module_names else UNKNOWN

    def binding_function(self, name: str, qualname: Optional[str]) -> Optional[str]:
        """The function, ``qualname`` or one around it, whose local ``name`` is (a closure's owner)."""
        while qualname:
            fn = self.functions.get(qualname)
            if fn is None:
                return None
            if fn.binds_locally(name) and not fn.is_lambda:
                return qualname
            qualname = fn.parent
        return None

    # ---- classes and the functions a name means -----------------------------------------------
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

    def callee(self, func: cst.BaseExpression, scope: tuple[str, ...]) -> Optional[str]:
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
            selves = self.selves(scope)
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
                selves = self.selves(scope)
                if inner.value.value in selves:
                    found = self.values.get((selves[inner.value.value], f"self.{inner.attr.value}"))
                    if found and found[0].endswith("()") and found[0][:-2] in self.classes:
                        return self.method(found[0][:-2], func.attr.value)
        return None

    def attribute_values(self, class_qualname: str) -> dict[str, str]:
        """What the class body and its methods bind to each ``self`` attribute (e.g. "<lambda>")."""
        prefix = "self."
        return {name[len(prefix):]: value for (key, name), (value, _node) in self.values.items()
                if key == class_qualname and name.startswith(prefix)}
