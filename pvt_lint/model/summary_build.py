"""Build a ``ModuleSummary`` (``summary.py``) from a ``ModuleModel``, through its public facade only."""

from __future__ import annotations

import re
import sys
from typing import Optional

import libcst as cst

from . import apis
from .names import resolve_relative
from .starters import third_party_start
from .work import BLOCKING_MODULES, GIL_RELEASING_MODULES, PURE_MODULES
from ..walk import code_children
from .summary import (
    IMPORT_TIME,
    LAMBDA_ATTR,
    MAIN,
    NESTED_ATTR,
    PRIMITIVE_ATTR,
    SCHEMA_VERSION,
    Attribute,
    Call,
    ClassSummary,
    Cpu,
    Dispatch,
    FunctionSummary,
    ModuleSummary,
    Write,
)

# Libraries a script's own project never defines: their attributes are not the project's globals.
KNOWN_MODULES = GIL_RELEASING_MODULES | BLOCKING_MODULES | PURE_MODULES

# A docstring saying instances are shared between threads (the library case of PVT201).
_THREAD_SAFE_DOC = re.compile(
    r"thread[- ]?safe|(?:shared|used|safe)\s+(?:\w+\s+){0,3}(?:between|across|from|by)\s+(?:\w+\s+){0,2}threads",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|never|no|non|without|unsafe)\b|n't\b|\bnon-|\bun-?safe", re.IGNORECASE)


class Summarizer:
    def __init__(self, model, module: str, is_package: bool, tree: Optional[cst.Module]) -> None:
        self.model = model
        self.module = module
        self.is_package = is_package
        self.relative = _relative_imports(tree, module, is_package) if tree is not None else {}
        self.docstrings = _class_docstrings(tree) if tree is not None else {}
        self._heads: set[str] | None = None
        self._groups: dict[str, dict] = {}

    def build(self) -> ModuleSummary:
        m = self.model
        imports = self._imports()
        functions = [self._function(q) for q in sorted(m.functions)]
        functions += [self._module_level(IMPORT_TIME), self._module_level(MAIN)]
        start = self._start_method()
        return ModuleSummary(
            schema=SCHEMA_VERSION,
            module=self.module,
            is_package=self.is_package,
            imports=tuple(sorted(imports.items())),
            globals=tuple(sorted((n, b.line) for n, b in m.module_names.items() if b.kind in ("assign", "other"))),
            functions=tuple(functions),
            classes=tuple(self._class(q) for q in sorted(m.classes)),
            dispatches=tuple(sorted((self._dispatch(s) for s in m.dispatches), key=lambda d: (d.line, d.column, d.role))),
            start_method=start,
        )

    # ---- names ------------------------------------------------------------------------------
    def qualify(self, text: Optional[str], scope: Optional[str] = None) -> str:
        """A resolved dotted name, made project-wide: local definitions get the module prefix, a
        relative import's name its absolute module."""
        if not text:
            return ""
        m = self.model
        head, sep, rest = text.partition(".")
        bare = head.removesuffix("()")
        if bare in m.functions or bare in m.classes:
            if m.name_kind(bare, scope) == "global":
                return f"{self.module}.{text}"
        if bare in self.relative and m.name_kind(bare, scope) == "global":
            return self.relative[bare] + head[len(bare):] + sep + rest
        return text

    def _reachable(self, name: str) -> bool:
        """Could ``name`` be another module's (or this one's) function? Only through a local definition
        or the import table: ``len``, ``self.x.y`` or a parameter's method never are."""
        head = name.split(".", 1)[0]
        if "." not in name or not head:
            return False
        if self._heads is None:
            self._heads = {value.split(".", 1)[0] for _local, value in self._imports().items()}
            self._heads.add(self.module.split(".", 1)[0])
        return head in self._heads

    def _imports(self) -> dict[str, str]:
        imports = dict(self.model.imports)
        imports.update(self.relative)
        return imports

    def _local(self, qualname: str) -> str:
        return f"{self.module}.{qualname}"

    # ---- functions --------------------------------------------------------------------------
    def _function(self, qualname: str) -> FunctionSummary:
        m = self.model
        fn = m.functions[qualname]
        calls = self._by_caller("calls", m.calls, lambda c: c.caller).get(qualname, ())
        starts = self._by_caller("starts", self._starts(), lambda pair: pair[0].caller).get(qualname, ())
        locks = self._by_caller("locks", m.lock_withs, lambda entry: entry[0]).get(qualname, ())
        return FunctionSummary(
            qualname=qualname,
            line=fn.line,
            class_qualname=fn.class_qualname or "",
            parent=fn.parent or "",
            reads=tuple(sorted(self._reads().get(qualname, ()))),
            writes=tuple(self._write(a) for a in fn.accesses if _shared(a)),
            calls=tuple(call for call in map(self._call, calls) if self._reachable(call.target)),
            starts=tuple(sorted((c.line, what) for c, what in starts)),
            locks=tuple((text, line) for _f, text, line in locks),
            cpu=self._cpu(qualname),
        )

    def _by_caller(self, what: str, items, caller) -> dict:
        """``items`` grouped by the function holding them, once per module (not once per function)."""
        groups = self._groups.get(what)
        if groups is None:
            groups = self._groups[what] = {}
            for item in items:
                groups.setdefault(caller(item), []).append(item)
        return groups

    def _module_level(self, which: str) -> FunctionSummary:
        m = self.model

        def here(line: int) -> bool:
            return m.in_main_guard(line) == (which == MAIN)

        calls = [c for c in m.calls if c.caller is None and here(c.line)]
        return FunctionSummary(
            qualname=which,
            line=0,
            class_qualname="",
            parent="",
            reads=tuple(sorted(self._reads().get(which, ()))),
            writes=tuple(self._write(a) for a in m.module_accesses if _shared(a) and here(a.line)),
            calls=tuple(call for call in map(self._call, calls) if self._reachable(call.target)),
            starts=tuple(sorted((c.line, what) for c, what in self._starts() if c.caller is None and here(c.line))),
            locks=tuple((text, line) for f, text, line in m.lock_withs if f is None and here(line)),
            cpu=Cpu(None, "", False, ()),
        )

    def _reads(self) -> dict[str, set[str]]:
        found = getattr(self, "_reads_cache", None)
        if found is None:
            found = {}
            m = self.model
            imports = self._imports()
            for name, binding in m.module_names.items():
                # an imported name counts when it may be another module's global (``from .cfg import X``)
                if binding.kind not in ("assign", "other") and "." not in imports.get(name, ""):
                    continue
                for scope in m.readers(name):
                    # module-level reads are filed under import time (a read in the main guard is the
                    # parent's and never a child's, so no rule needs to tell it apart yet)
                    found.setdefault(scope or IMPORT_TIME, set()).add(name)
            for scope, names in self._alias_reads(imports).items():
                found.setdefault(scope, set()).update(names)
            self._reads_cache = found
        return found

    def _alias_reads(self, imports: dict[str, str]) -> dict[str, set[str]]:
        """``config.SETTINGS`` read in a function, ``config`` an alias of what may be a project module:
        "config.SETTINGS". The facade lists reads by name only, so each function that reads such an
        alias is walked once for their attributes (the collector could record them in its one walk).
        Which aliases: relative imports and imports from the module's own top-level package; in a
        top-level module (a script), imports of anything but the standard library and the big
        third-party libraries ``work.py`` knows, which a script's project cannot define."""
        m = self.model
        package = self.module.split(".", 1)[0] if "." in self.module or self.is_package else None
        aliases = set()
        for alias, binding in m.module_names.items():
            target = imports.get(alias)
            if binding.kind != "import" or not target:
                continue
            head = target.split(".", 1)[0]
            if alias in self.relative or head == package or (
                    package is None and head not in sys.stdlib_module_names and head not in KNOWN_MODULES):
                aliases.add(alias)
        scopes: set[str] = set()
        for alias in aliases:
            scopes.update(s for s in m.readers(alias) if s is not None)
        out: dict[str, set[str]] = {}
        for scope in sorted(scopes):
            fn = m.function(scope)
            if fn is None:
                continue
            found = {f"{alias}.{attr}" for alias, attr in _attributes_of(fn.node, aliases)
                     if m.name_kind(alias, scope) == "global"}
            if found:
                out[scope] = found
        return out

    def _starts(self):
        """The model's process starts, and calls to the well-known third-party starters (starters.py)."""
        found = getattr(self, "_starts_cache", None)
        if found is None:
            found = list(self.model.process_starts())
            for call in self.model.calls:
                what = third_party_start(call.qualname, call.node)
                if what is not None:
                    found.append((call, what))
            self._starts_cache = found
        return found

    def _write(self, access) -> Write:
        ref = access.ref
        return Write(
            state=ref.kind, name=ref.name, owner=ref.owner, kind=access.kind, line=access.line,
            column=access.column, locks=_locks(self.model.effective_locks(access)), text=access.text,
        )

    def _call(self, call) -> Call:
        if call.callee:
            target = self._local(call.callee)
        else:
            target = self.qualify(self._through_self(call), call.caller)
        return Call(
            target=target, line=call.line, column=call.column, locks=_locks(call.locks),
            in_loop=self.model.work.in_loop(call.node),
        )

    def _through_self(self, call) -> str:
        """``self.save()`` whose method the module cannot find (a base class in another module):
        ``<module>.<Class>().save``, for the project stage to look up through the class hierarchy."""
        text = call.qualname or ""
        fn = self.model.function(call.caller)
        if fn is not None and fn.self_name and fn.class_qualname and text.startswith(fn.self_name + "."):
            return f"{self.module}.{fn.class_qualname}(){text[len(fn.self_name):]}"
        return text

    def _cpu(self, qualname: str) -> Cpu:
        profile = self.model.work.profile(qualname)
        blocked, blockers, seen = False, [], set()
        for call, kind in profile.blockers:
            if call.caller != qualname:
                continue  # a callee's own blockers are its own summary's: the project stage joins them
            name = self._blocker_name(call)
            if not self._reachable(name):
                blocked = True
            elif name not in seen:
                seen.add(name)
                blockers.append((name, call.line, kind))
        hot_in = ""
        if profile.hot_loops:
            hot_in = profile.hot_loops[0].function or ""
        elif profile.recursion is not None:
            hot_in = profile.recursion.caller or ""
        return Cpu(hot=profile.hot, hot_in=hot_in, blocked=blocked, blockers=tuple(blockers))

    def _blocker_name(self, call) -> str:
        if call.callee:
            return self._local(call.callee)
        return self.qualify(self._through_self(call), call.caller) if isinstance(call.node, cst.Call) else ""

    # ---- dispatches -------------------------------------------------------------------------
    def _dispatch(self, site) -> Dispatch:
        m = self.model
        caller = site.caller or (MAIN if m.in_main_guard(site.line) else IMPORT_TIME)
        scope = m.scope_of(site.caller)
        return Dispatch(
            context=site.context, api=site.api, role=site.role, form=site.form,
            target=self._target(site, scope), caller=caller, line=site.line, column=site.column,
            payload=bool(site.payload) or _partial_with_arguments(site.callable_node),
            sent=tuple(self._sent(site, scope)), initializer=self._initializer(site, scope),
            start_method=m.start_method(site) or "", pool=site.pool, concurrent=site.concurrent,
            elsewhere=site.elsewhere,
        )

    def _target(self, site, scope) -> str:
        if site.target:
            return self._local(site.target)
        node = site.callable_node
        if isinstance(node, cst.Call) and node.args:  # functools.partial(f, ...)
            node = node.args[0].value
        if node is None or isinstance(node, (cst.Lambda, cst.Call)):
            return ""
        return self.qualify(self.model.resolve(node, scope, None), site.caller)

    def _sent(self, site, scope):
        values = []
        for expr in site.payload:
            items = [e.value for e in expr.elements] if isinstance(expr, (cst.Tuple, cst.List)) else [expr]
            for item in items:
                value = self.model.value_at(item, scope)
                if value:
                    values.append(self.qualify(value, site.caller))
        return sorted(set(values))

    def _initializer(self, site, scope) -> str:
        """The initializer of the pool a map/submit goes through (``p = Pool(initializer=f)``)."""
        func = site.call.func
        if site.role not in ("map", "submit") or not isinstance(func, cst.Attribute):
            return ""
        receiver = func.value
        node = receiver
        if isinstance(receiver, cst.Name):
            for key in (*scope, "<module>"):
                found = self.model.values.get((key, receiver.value))
                if found is not None:
                    node = found[1]
                    break
        if isinstance(receiver, cst.Name) and site.caller:
            # a name bound to several pools in one function (``with Pool(..) as pool:`` twice): the
            # pool built last before the call is the one it uses
            built = [c for c in self.model.calls if c.caller == site.caller and c.line <= site.line
                     and (c.qualname or "") in apis.POOL_CONSTRUCTORS]
            if built:
                node = max(built, key=lambda c: (c.line, c.column)).node
        for other in self.model.dispatches:
            if other.role == "initializer" and other.call is node:
                return self._target(other, scope) or "<unknown>"
        return ""

    def _start_method(self) -> str:
        methods = {self.model.start_method(s) for s in self.model.dispatches if s.context == apis.PROCESS}
        for call in self.model.calls:
            if (call.qualname or "").endswith("set_start_method") and call.node.args:
                first = call.node.args[0].value
                if isinstance(first, cst.SimpleString):
                    methods.add(first.evaluated_value)
        methods.discard(None)
        return methods.pop() if len(methods) == 1 else ""

    # ---- classes ----------------------------------------------------------------------------
    def _class(self, qualname: str) -> ClassSummary:
        m = self.model
        info = m.classes[qualname]
        attributes, locks = [], set()
        methods = set(info.methods.values())
        for (owner, key), (value, node) in sorted(m.values.items(), key=lambda kv: kv[0]):
            if owner != qualname or not key.startswith("self."):
                continue
            name = key[len("self."):]
            kind = self._attribute_kind(value, methods)
            if kind:
                attributes.append(Attribute(name, kind, value, m.position(node).start.line))
            if apis.lock_value(value):
                locks.add(name)
        for function, text, _line in m.lock_withs:
            fn = m.function(function)
            if fn is not None and fn.class_qualname == qualname and fn.self_name:
                head, _, attr = text.partition(".")
                if head == fn.self_name and attr and "." not in attr:
                    locks.add(attr)
        return ClassSummary(
            qualname=qualname, line=info.line,
            bases=tuple(self.qualify(b) for b in info.bases),
            methods=tuple(sorted(info.methods.items())), attributes=tuple(attributes),
            lock_attributes=tuple(sorted(locks)), thread_safe_doc=self.docstrings.get(qualname, ""),
        )

    def _attribute_kind(self, value: str, methods: set[str]) -> str:
        if value == "<lambda>":
            return LAMBDA_ATTR
        if any(f"{method}.<locals>.{value}" in self.model.functions for method in methods):
            return NESTED_ATTR
        if value.endswith("()") and value[:-2] in apis.THREAD_PRIMITIVES:
            return PRIMITIVE_ATTR
        return ""


def _attributes_of(node, aliases: set[str]) -> set[tuple[str, str]]:
    """(alias, attr) read as ``alias.attr`` in a function's own body (nested functions are their own)."""
    found: set[tuple[str, str]] = set()
    stack = list(code_children(node))
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        if isinstance(current, cst.Attribute) and isinstance(current.value, cst.Name) and current.value.value in aliases:
            found.add((current.value.value, current.attr.value))
            continue
        stack.extend(code_children(current))
    return found


def _partial_with_arguments(node) -> bool:
    """``functools.partial(f, x)``: the bound arguments travel with the callable."""
    if not isinstance(node, cst.Call) or len(node.args) < 2:
        return False
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    return name == "partial"


def _locks(locks) -> tuple[str, ...]:
    return tuple(sorted(lock for lock in locks if lock))  # "" marks a ``with`` item that is no lock


def _shared(access) -> bool:
    return access.ref is not None and access.ref.kind in ("global", "self", "class")


def _statements(body) -> list:
    """Statements of a block and of the blocks nested in it (functions and classes included)."""
    out, stack = [], list(body)
    while stack:
        node = stack.pop()
        out.append(node)
        for attr in ("body", "orelse", "finalbody", "handlers"):
            child = getattr(node, attr, None)
            if child is None:
                continue
            if isinstance(child, (list, tuple)):
                stack.extend(child)
            elif isinstance(child, cst.BaseSuite):
                stack.extend(child.body)
            elif isinstance(child, cst.CSTNode):
                stack.append(child)
    return out


def _relative_imports(tree: cst.Module, module: str, is_package: bool) -> dict[str, str]:
    """``from .b import g`` -> {"g": "pkg.b.g"}; ``from . import b`` -> {"b": "pkg.b"}."""
    out: dict[str, str] = {}
    for statement in _statements(tree.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or not small.relative or isinstance(small.names, cst.ImportStar):
                continue
            target = cst.Module([]).code_for_node(small.module) if small.module is not None else ""
            base = resolve_relative(module, is_package, len(small.relative), target)
            if base is None:
                continue
            for alias in small.names:
                name = cst.Module([]).code_for_node(alias.name)
                local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
                out[local] = f"{base}.{name}"
    return out


def _thread_safe_sentence(doc: str) -> str:
    """The first sentence saying the class is meant for several threads; a sentence with a negation
    ("not thread-safe", "must never be shared between threads", "unsafe") says the opposite."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", doc):
        if _THREAD_SAFE_DOC.search(sentence) and not _NEGATION.search(sentence):
            return " ".join(sentence.split()).rstrip(".")
    return ""


def _class_docstrings(tree: cst.Module) -> dict[str, str]:
    """qualname -> the docstring sentence saying the class is shared between threads."""
    out: dict[str, str] = {}
    stack = [(c, "") for c in tree.body if isinstance(c, cst.ClassDef)]
    while stack:
        node, prefix = stack.pop()
        qualname = prefix + node.name.value
        sentence = _thread_safe_sentence(node.get_docstring() or "")
        if sentence:
            out[qualname] = sentence
        stack.extend((c, qualname + ".") for c in node.body.body if isinstance(c, cst.ClassDef))
    return out
