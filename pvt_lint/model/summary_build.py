"""Build a ``ModuleSummary`` (``summary.py``) from a ``ModuleModel``, through its public facade only."""

from __future__ import annotations

import sys
from typing import Optional

import libcst as cst

from .starters import third_party_start
from .summary import IMPORT_TIME, MAIN, SCHEMA_VERSION, Call, Cpu, FunctionSummary, ModuleSummary, Write
from .summary_sites import SiteSummaries
from .summary_tree import class_docstrings, relative_imports
from .cpu import BLOCKING_MODULES, GIL_RELEASING_MODULES, PURE_MODULES

# Libraries a script's own project never defines: their attributes are not the project's globals.
KNOWN_MODULES = GIL_RELEASING_MODULES | BLOCKING_MODULES | PURE_MODULES


class Summarizer(SiteSummaries):
    """One module's summary: names, functions and module-level code here; sites and classes in
    ``summary_sites.py``; what only the tree tells in ``summary_tree.py``."""

    def __init__(self, model, module: str, is_package: bool, tree: Optional[cst.Module]) -> None:
        self.model = model
        self.module = module
        self.is_package = is_package
        self.relative = relative_imports(tree, module, is_package) if tree is not None else {}
        self.docstrings = class_docstrings(tree) if tree is not None else {}
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
            if m.scopes.name_kind(bare, scope) == "global":
                return f"{self.module}.{text}"
        if bare in self.relative and m.scopes.name_kind(bare, scope) == "global":
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
            sends=self._parameter_sends(qualname),
            is_async=getattr(fn.node, "asynchronous", None) is not None,
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
        "config.SETTINGS". The reads are listed by name; the attributes of each function's aliases come from
        the collector's walk (``attributes_read``).
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
            found = {f"{alias}.{attr}" for alias, attr in m.attributes_read(scope)
                     if alias in aliases and m.scopes.name_kind(alias, scope) == "global"}
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
            in_loop=self.model.work.in_loop(call.node), private=self._private_receiver(call),
        )

    def _private_receiver(self, call) -> bool:
        """``reader.readline()`` where ``reader`` is a local of the caller bound to a constructor call
        (``reader = Reader(stream)``): the object is the caller's own, so its ``self`` is not shared with the caller's
        caller (a thread reaching ``readline`` this way does not share the reader)."""
        func = call.node.func
        if not call.caller or not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name):
            return False
        name = func.value.value
        if name in self.model.selves(call.scope):
            return False
        found = self.model.values.get((call.caller, name))
        if found is None or not isinstance(found[1], cst.Call):
            return False
        # a constructor, by the class naming convention (``get_instance()`` may hand out a singleton)
        made = (found[0] or "").removesuffix("()").rpartition(".")[2]
        return made in self.model.classes or (made[:1].isupper() and not made.isupper())

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


def _locks(locks) -> tuple[str, ...]:
    return tuple(sorted(lock for lock in locks if lock))  # "" marks a ``with`` item that is no lock


def _shared(access) -> bool:
    return access.ref is not None and access.ref.kind in ("global", "self", "class")


def summarize(model, module_name: str, is_package: bool = False, tree=None) -> ModuleSummary:
    """The summary of one module's ``ModuleModel`` (see summary.py's docstring).

    ``tree``, when given, supplies what the facade does not expose yet: relative imports (the collector
    keeps absolute ones only) and class docstrings. Without it, those are left out.
    """
    return Summarizer(model, module_name, is_package, tree).build()
