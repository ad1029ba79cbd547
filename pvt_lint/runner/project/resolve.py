"""Names across modules: which project function, class or global a summary's dotted name means.

A summary names things as far as its module can tell (``pkg.b.Store().save``, ``pkg.compat.mp.Pool``);
here the longest dotted prefix that is a project module picks the module, and the rest is looked up in
its definitions, then in its import table (a package's ``__init__`` re-exporting ``from .impl import f``,
a compat module doing ``import multiprocessing as mp``), a bounded number of times.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from ... import apis
from ...model.summary import Attribute, ClassSummary, FunctionSummary, ModuleSummary, Write

MAX_HOPS = 8  # re-exports followed for one name
_IN_PLACE = frozenset({"item-store", "mutate"})


class Resolver:
    def __init__(self, summaries: Mapping[str, ModuleSummary]) -> None:
        self.summaries = {name: summaries[name] for name in sorted(summaries)}
        self.functions: dict[str, FunctionSummary] = {}
        self.classes: dict[str, ClassSummary] = {}
        self.imports: dict[str, dict[str, str]] = {}
        self.globals: dict[str, frozenset[str]] = {}
        for name, summary in self.summaries.items():
            self.imports[name] = dict(summary.imports)
            self.globals[name] = frozenset(g for g, _line in summary.globals)
            for fn in summary.functions:
                self.functions[f"{name}:{fn.qualname}"] = fn
            for cls in summary.classes:
                self.classes[f"{name}:{cls.qualname}"] = cls
        self._keys = sorted(self.functions)
        # Most dotted names are not the project's (``threading.Lock``, ``self.x``): their first part is
        # no module's first part, which rejects them before any join. Answers are kept per resolver,
        # which lives for one join of unchanged summaries.
        self._heads = frozenset(name.split(".", 1)[0] for name in self.summaries)
        self._functions_of: dict[str, Optional[str]] = {}
        self._canonicals: dict[str, str] = {}
        self._mros: dict[str, list[str]] = {}
        self._methods: dict[str, dict[str, str]] = {}

    def function_keys(self) -> list[str]:
        return self._keys

    # ---- dotted names -----------------------------------------------------------------------
    def _split(self, dotted: str) -> Optional[tuple[str, str]]:
        """(the longest project module prefixing ``dotted``, the rest), re-exports not followed."""
        if dotted.split(".", 1)[0] not in self._heads:
            return None
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if module in self.summaries:
                return module, ".".join(parts[cut:])
        return None

    def _reexport(self, module: str, rest: str) -> Optional[str]:
        """``rest`` inside ``module`` names something the module imports: the name it imports."""
        head = rest.split(".", 1)[0].removesuffix("()")
        if not head or self._defines(module, head):
            return None
        imported = self.imports[module].get(head)
        return imported + rest[len(head):] if imported else None

    def locate(self, dotted: str, hops: int = 0) -> Optional[tuple[str, str]]:
        """(module, rest) for a dotted name inside the project, re-exports followed; rest keeps ``()``
        instance markers (``Store().save``). None outside the project."""
        if not dotted or hops > MAX_HOPS:
            return None
        found = self._split(dotted)
        if found is None:
            return None
        onward = self._reexport(*found)
        if onward is not None and onward != dotted:
            return self.locate(onward, hops + 1)
        return found

    def canonical(self, dotted: str) -> str:
        """An external name reached through the project's re-exports (``pkg.compat.mp.Pool`` ->
        ``multiprocessing.Pool``); the name itself otherwise."""
        try:
            return self._canonicals[dotted]
        except KeyError:
            found = self._canonicals[dotted] = self._canonical(dotted)
            return found

    def _canonical(self, dotted: str, hops: int = 0) -> str:
        found = self._split(dotted) if dotted and hops <= MAX_HOPS else None
        onward = self._reexport(*found) if found else None
        if onward is None or onward == dotted:
            return dotted
        return self._canonical(onward, hops + 1)

    def _defines(self, module: str, name: str) -> bool:
        return (f"{module}:{name}" in self.functions or f"{module}:{name}" in self.classes
                or name in self.globals[module])

    def function_of(self, dotted: str, module: str = "") -> Optional[str]:
        """The function key a call or a dispatch target means: a function, a method (through the
        class hierarchy across modules), or a class's ``__init__`` for a constructor call."""
        if dotted in self._functions_of:
            return self._functions_of[dotted]
        found = self._functions_of[dotted] = self._function_of(dotted)
        return found

    def _function_of(self, dotted: str) -> Optional[str]:
        found = self.locate(dotted)
        if found is None:
            return None
        owner, rest = found
        if not rest:
            return None
        clean = rest.replace("()", "")
        if f"{owner}:{clean}" in self.functions:
            return f"{owner}:{clean}"
        cls_name, _, method = clean.rpartition(".")
        if cls_name and f"{owner}:{cls_name}" in self.classes:
            return self.method(f"{owner}:{cls_name}", method)
        if f"{owner}:{clean}" in self.classes and not rest.endswith("()"):
            return self.method(f"{owner}:{clean}", "__init__")
        return None

    def class_of(self, dotted: str, module: str = "") -> Optional[str]:
        found = self.locate(dotted)
        if found is None:
            return None
        key = f"{found[0]}:{found[1]}"
        return key if key in self.classes else None

    # ---- classes ----------------------------------------------------------------------------
    def mro(self, cls_key: str) -> list[str]:
        """The class and its project bases, depth first in declaration order, each once."""
        try:
            return self._mros[cls_key]
        except KeyError:
            found = self._mros[cls_key] = self._mro(cls_key)
            return found

    def _mro(self, cls_key: str) -> list[str]:
        out, stack = [], [cls_key]
        while stack and len(out) < 64:
            key = stack.pop(0)
            if key in out or key not in self.classes:
                continue
            out.append(key)
            bases = [self.class_of(base) for base in self.classes[key].bases]
            stack[:0] = [b for b in bases if b]
        return out

    def external_bases(self, cls_key: str) -> set[str]:
        return {self.canonical(b) for key in self.mro(cls_key) for b in self.classes[key].bases if not self.class_of(b)}

    def method(self, cls_key: str, name: str) -> Optional[str]:
        for key in self.mro(cls_key):
            methods = self._methods.get(key)
            if methods is None:
                methods = self._methods[key] = dict(self.classes[key].methods)
            found = methods.get(name)
            if found:
                return f"{key.partition(':')[0]}:{found}"
        return None

    def class_attributes(self, cls_key: str) -> list[tuple[str, Attribute]]:
        return [(key, a) for key in self.mro(cls_key) for a in self.classes[key].attributes]

    # ---- starters ---------------------------------------------------------------------------
    def external_start(self, target: str, module: str, extra: Iterable[str] = ()) -> str:
        """What a call to something outside the project starts, if it starts processes: a
        multiprocessing API reached through an alias module, a project Process subclass's
        ``start``, or one of the user's own starters."""
        if not target:
            return ""
        name = self.canonical(target)
        bare = name.removesuffix("()")
        if bare in extra or name in extra:
            return "starts processes (a configured starter)"
        if name.endswith("().start"):  # a project subclass of Process, started in another module
            project_cls = self.class_of(name[: -len("().start")])
            if project_cls and self.external_bases(project_cls) & apis.PROCESS_CLASSES:
                return "starts a process"
        if name == target:
            return ""  # not through the project: the module's own summary already said what it starts
        if bare in apis.PROCESS_STARTING_CALLS and not bare.endswith("set_start_method"):
            return apis.PROCESS_STARTING_CALLS[bare]
        if apis.POOL_CONSTRUCTORS.get(bare) == apis.PROCESS and bare.endswith("Pool"):
            return "starts a process pool"
        if name.endswith("().start") and name[: -len("().start")] in apis.PROCESS_CLASSES:
            return "starts a process"
        return ""

    # ---- globals ----------------------------------------------------------------------------
    def global_of_name(self, name: str, module: str) -> Optional[tuple[str, str]]:
        """The (module, global) a name read in ``module`` means: its own global or a from-import."""
        if name in self.globals.get(module, ()):
            return module, name
        head, dot, attr = name.partition(".")
        if dot:  # ``config.SETTINGS``, ``config`` a module alias
            imported = self.imports.get(module, {}).get(head)
            found = self.locate(f"{imported}.{attr}") if imported else None
            return found if found and found[1] in self.globals[found[0]] else None
        imported = self.imports.get(module, {}).get(name)
        found = self.locate(imported) if imported else None
        if found and found[1] in self.globals[found[0]]:
            return found
        return None

    def global_of_write(self, write: Write, module: str) -> Optional[tuple[str, str]]:
        """The (module, global) a write changes: the module's own, another module's through its
        alias (``config.SETTINGS[k] = v``), or a from-imported object changed in place."""
        if write.state != "global":
            return None
        imported = self.imports.get(module, {}).get(write.name)
        if imported is None:
            return (module, write.name) if write.name in self.globals.get(module, ()) else None
        found = self.locate(imported)
        if found is None:
            return None
        owner, rest = found
        if not rest:  # a module alias: the attribute written through it
            attr = write.text.split(".", 2)[1] if write.text.count(".") else ""
            attr = attr.split("[", 1)[0].split("(", 1)[0]
            return (owner, attr) if attr in self.globals[owner] else None
        if rest in self.globals[owner] and write.kind in _IN_PLACE:
            return owner, rest
        return None
