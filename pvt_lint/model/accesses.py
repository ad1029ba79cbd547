"""The walk's visitor for what code does: writes to state, calls, lock regions, ``if`` tests.

Each fact is recorded with the frame it happens in (function, locks held, loops around it); what it
touches is resolved by the model once the whole module has been seen.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst
from libcst.metadata.position_provider import NEWLINE_RE  # the line breaks positions count

from .. import apis
from .definitions import DefinitionVisitor
from .facts import DELETE, MUTATE, RMW, STORE, Access, CallSite, IfInfo
from .syntax import dotted, flatten, is_lock_expr, is_main_guard, lock_text, names_read, target_root

_RELEASED_BY = {release: take for take, release in apis.LOCK_FUNCTIONS.items()}
def _line_starts(text: str) -> list[int]:
    """The offset of each line's first character, lines counted as libcst counts them."""
    return [0, *(m.end() for m in NEWLINE_RE.finditer(text))]


def _plain_text(target: cst.BaseExpression) -> Optional[str]:
    """The source of ``name`` or ``name.attr`` written plainly (no brackets, no spaces), without running
    libcst's code generator; None for anything else."""
    if type(target) is cst.Attribute:
        value = target.value
        if (type(value) is cst.Name and not value.lpar and not target.lpar and not value.rpar
                and type(target.dot.whitespace_before) is cst.SimpleWhitespace and not target.dot.whitespace_before.value
                and type(target.dot.whitespace_after) is cst.SimpleWhitespace and not target.dot.whitespace_after.value):
            return f"{value.value}.{target.attr.value}"
        return None
    if type(target) is cst.Name and not target.lpar:
        return target.value
    return None


class AccessVisitor(cst.BatchableCSTVisitor):
    """Writes, calls, lock regions, ifs and the main guard; reads the frames of ``definitions``."""

    def __init__(self, definitions: DefinitionVisitor, positions, text: Optional[str] = None) -> None:
        super().__init__()
        self._definitions = definitions
        self._positions = positions
        self._text = text  # the module's source: lets an assignment skip walking a value that cannot read
        self._line_starts: Optional[list[int]] = None
        self.calls: list[CallSite] = []
        self.ifs: list[IfInfo] = []
        self.module_accesses: list[Access] = []  # writes at module level and in class bodies
        self.main_guards: list[tuple[int, int]] = []  # first and last line of each main guard's body
        self.lock_withs: list[tuple[Optional[str], str, int]] = []  # (function, lock text, line)
        self._statements: list[cst.CSTNode] = []

    def _record(self, kind: str, target: cst.BaseExpression, statement: cst.CSTNode, via: str = "") -> None:
        root = target_root(target)
        if root is None:
            return
        pos = self._positions[target]
        frame = self._definitions.frame
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
            text=_plain_text(target) or cst.Module([]).code_for_node(target),
            via=via,
            statement=statement,
            target=target,
        )
        if frame.function is not None:
            frame.function.accesses.append(access)
        else:
            self.module_accesses.append(access)

    # ---- writes ----------------------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        value_reads = None
        for target in node.targets:
            for single in flatten(target.target):
                root = target_root(single)
                if root is None:
                    continue
                if not self._may_mention(node.value, root[0], root[1]):
                    self._record(STORE, single, node, via="=")
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
        root = target_root(node.target)
        if root is not None:
            reads = names_read(node.value) if self._may_mention(node.value, root[0], root[1]) else ()
            self._record(RMW if (root[0], root[1]) in reads else STORE, node.target, node, via="=")

    def _may_mention(self, node: cst.CSTNode, name: str, attr: Optional[str]) -> bool:
        """Can ``node`` read ``name`` (``name.attr`` when ``attr`` is given)? False only when its source text
        does not contain them: walking the value of every assignment for its names (a whole literal table,
        say) is the slow way to learn that."""
        text = self._text
        if text is None:
            return True
        starts = self._line_starts
        if starts is None:
            starts = self._line_starts = _line_starts(text)
        where = self._positions[node]
        start = starts[where.start.line - 1] + where.start.column
        end = starts[where.end.line - 1] + where.end.column
        source = text[start:end]
        return name in source and (attr is None or attr in source)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        op = cst.Module([]).code_for_node(node.operator).strip()
        self._record(RMW, node.target, node, via=op)

    def visit_Del(self, node: cst.Del) -> None:
        for single in flatten(node.target):
            self._record(DELETE, single, node, via="del")

    # ---- with: lock regions and bound executors ----------------------------------------------------
    def visit_With(self, node: cst.With) -> None:
        frame = self._definitions.frame
        for item in node.items:
            if item.asname is not None:  # bound here, item by item: a later item may use the name
                self._definitions.bind_target(item.asname.name, node, "assign", item.item)
            text = lock_text(item.item)
            if text is not None and (is_lock_expr(item.item) or self._is_lock_value(item.item)):
                frame.with_locks.append(text)
                self.lock_withs.append((frame.qualname, text, self._positions[node].start.line))
            else:
                frame.with_locks.append("")

    def leave_With(self, original_node: cst.With) -> None:
        frame = self._definitions.frame
        for _ in original_node.items:
            frame.with_locks.pop()

    def _is_lock_value(self, expr: cst.BaseExpression) -> bool:
        resolved = self._definitions.resolve_now(expr)
        return resolved is not None and apis.lock_value(resolved)

    # ---- calls -------------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        definitions = self._definitions
        frame = definitions.frame
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
        qualname = definitions.resolve_now(func)
        if qualname in apis.LOCK_FUNCTIONS:
            frame.acquired.append(qualname)
        elif qualname in _RELEASED_BY and _RELEASED_BY[qualname] in frame.acquired:
            frame.acquired.remove(_RELEASED_BY[qualname])
        pos = self._positions[node]
        self.calls.append(
            CallSite(
                caller=frame.qualname,
                node=node,
                scope=definitions.scope(),
                class_qualname=definitions.class_for_self(),
                line=pos.start.line,
                column=pos.start.column,
                locks=frame.locks(),
                loop_depth=frame.loop_depth,
                loop_names=frozenset().union(*frame.loop_names),
                qualname=qualname,
            )
        )

    # ---- statements, ifs and the main guard ----------------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._statements.append(node)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self._statements.pop()

    def visit_If(self, node: cst.If) -> None:
        pos = self._positions[node]
        body = self._positions[node.body]
        frame = self._definitions.frame
        if self._definitions.at_module_level() and is_main_guard(node.test):
            self.main_guards.append((body.start.line, body.end.line))
        self._statements.append(node)
        self.ifs.append(
            IfInfo(
                function=frame.qualname,
                line=pos.start.line,
                column=pos.start.column,
                end_line=pos.end.line,
                end_column=pos.end.column,
                node=node,
                tested=frozenset(names_read(node.test)),
                body=(body.start.line, body.end.line),
                locks=frame.locks(),
            )
        )

    def leave_If(self, original_node: cst.If) -> None:
        self._statements.pop()
