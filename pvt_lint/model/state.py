"""State: what each write touches (a global, a closure variable, ``self``'s or a class's attribute),
and which scopes read which module globals."""

from __future__ import annotations

from typing import Iterator, Optional

from .facts import (
    CLASS,
    FREE,
    GLOBAL,
    ITEM_STORE,
    MUTATE,
    SELF,
    STORE,
    UNKNOWN,
    WRITE_KINDS,
    Access,
    FunctionInfo,
    StateRef,
)
from .scopes import Scopes
from .syntax import first_param


class State:
    """Resolves every recorded write's ``ref`` once the module has been seen, and answers who reads
    and who writes module state."""

    def __init__(self, scopes: Scopes, module_accesses: list[Access], loads: dict[str, set[Optional[str]]]) -> None:
        self._scopes = scopes
        self.module_accesses = module_accesses
        self._loads = loads
        for fn in scopes.functions.values():
            scope = scopes.scope_of(fn.qualname)
            selves = scopes.selves(scope)
            for access in fn.accesses:
                self._resolve(access, fn, selves)
                if access.kind == STORE and access.in_place:
                    access.kind = ITEM_STORE  # x[k] = v changes the object x names
                elif access.kind == MUTATE:
                    access.in_place = True  # x.append(v) changes the object, never the name
        for access in module_accesses:
            kind = GLOBAL if access.root in scopes.module_names else UNKNOWN
            access.ref = StateRef(kind, access.root)
            access.in_place = access.depth > 0 or access.kind == MUTATE
            if access.kind == STORE and access.in_place:
                access.kind = ITEM_STORE

    def _resolve(self, access: Access, fn: FunctionInfo, selves: dict[str, str]) -> None:
        scopes = self._scopes
        root, attr = access.root, access.attr
        if attr is not None and root in selves:
            access.ref = StateRef(SELF, attr, selves[root])
            access.in_place = access.depth > 1
            return
        if attr is not None and root in scopes.classes and scopes.name_kind(root, fn.qualname) == GLOBAL:
            access.ref = StateRef(CLASS, attr, root)
            access.in_place = access.depth > 1
            return
        if attr is not None and fn.class_qualname and "classmethod" in fn.decorators and root == first_param(fn.node):
            access.ref = StateRef(CLASS, attr, fn.class_qualname)
            access.in_place = access.depth > 1
            return
        kind = scopes.name_kind(root, fn.qualname)
        owner = ""
        if kind == FREE:
            owner = scopes.binding_function(root, fn.qualname) or ""
        access.ref = StateRef(kind, root, owner)
        access.in_place = access.depth > 0

    def accesses(self) -> Iterator[Access]:
        """Every recorded write (and mutating call) inside functions, function by function."""
        for fn in self._scopes.functions.values():
            yield from fn.accesses

    def writes(self) -> Iterator[Access]:
        """The accesses that change state."""
        return (a for a in self.accesses() if a.kind in WRITE_KINDS)

    def readers(self, name: str) -> list[Optional[str]]:
        """Scopes that read the value of module-level ``name`` (None: module level or a class body).

        Writing through the name (``name.append(v)``, ``name[k] = v``) is not reading it.
        """
        name_kind = self._scopes.name_kind
        return sorted(
            (scope for scope in self._loads.get(name, ()) if name_kind(name, scope) == GLOBAL),
            key=lambda s: s or "",
        )

    def globals_read(self, qualname: Optional[str]) -> set[str]:
        """The module globals whose value code in ``qualname`` reads (None: module level)."""
        name_kind = self._scopes.name_kind
        return {name for name, scopes in self._loads.items()
                if qualname in scopes and name_kind(name, qualname) == GLOBAL}

    def globals_written(self, qualname: Optional[str]) -> set[str]:
        """The module globals that code in ``qualname`` rebinds or changes (None: module level)."""
        fn = self._scopes.functions.get(qualname) if qualname else None
        found = fn.accesses if fn is not None else (self.module_accesses if qualname is None else ())
        return {a.ref.name for a in found if a.kind in WRITE_KINDS and a.ref is not None and a.ref.kind == GLOBAL}
