"""The walk's visitor for reads: which scopes read the value of each name.

A name that is only bound, declared or written through (``x.append(v)``, ``x[k] = v``) is not read.
libcst visits a field (``visit_AssignTarget_target``...) before the names inside it, so the names that
are not reads are known by the time ``visit_Name`` sees them.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from .. import apis
from .definitions import DefinitionVisitor
from .syntax import flatten


_UNPACKED = frozenset({cst.Tuple, cst.List, cst.StarredElement})
_TRAILERS = frozenset({cst.Attribute, cst.Subscript})


class LoadVisitor(cst.BatchableCSTVisitor):
    def __init__(self, definitions: DefinitionVisitor) -> None:
        super().__init__()
        self._definitions = definitions
        # name -> scopes (function qualname, None for module level and class bodies) that read its value
        self.loads: dict[str, set[Optional[str]]] = {}
        self._not_loads: set[int] = set()  # ids of Name nodes that bind, declare or name an attribute
        # function qualname -> {(name, attr)} for every ``name.attr`` in its own body (a class body's and
        # the module level's are not kept): what the summary needs of an alias's attributes
        self.attributes: dict[str, set[tuple[str, str]]] = {}

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self._not_loads:
            self.loads.setdefault(node.value, set()).add(self._definitions.frame.qualname)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value = node.value
        if type(value) is cst.Name:
            scope = self._definitions.frame.qualname
            if scope is not None:
                self.attributes.setdefault(scope, set()).add((value.value, node.attr.value))

    def _not_load(self, target: Optional[cst.CSTNode], written_through: bool = False) -> None:
        kind = type(target)  # exact classes: libcst's are ABCs, whose isinstance is slow
        if kind in _UNPACKED:
            for single in flatten(target):
                self._not_load(single, written_through)
        elif written_through and kind in _TRAILERS:
            self._not_load(target.value, written_through)
        elif kind is cst.Name:
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
