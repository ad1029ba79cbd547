"""PVT103's fix: the module-level statement that starts processes, and the module-level statements after
it, move under a new ``if __name__ == "__main__":`` at the end of the module, in their order; functions,
classes and imports stay where they are, so a spawned child that imports the module still finds them.

Unsafe: importing the module no longer runs that code (a script's users may import it for it). Offered
only when the module has no main guard yet, the start is in a statement of the module itself (not inside
a function or class), nothing that stays at module level reads a name the moved statements bind (no
function, class or later statement: they would miss it in a child), no statement that moves holds a
definition or an import, and none holds a string over several lines (its lines are indented).
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..findings import UNSAFE, Edit, Fix
from ..model import ModuleModel
from .fix_text import comments_above, multiline_string, names_in

_STAYS = (cst.FunctionDef, cst.ClassDef)
_GUARD = 'if __name__ == "__main__":'


def main_guard_fix(model: ModuleModel, module: Optional[cst.Module], line: int) -> Optional[Fix]:
    """The fix for a process start reported at ``line`` of ``module``, or None."""
    if module is None or model.main_guards:
        return None
    body = list(module.body)
    start = next((i for i, s in enumerate(body) if _span(model, s)[0] <= line <= _span(model, s)[1]), None)
    if start is None:
        return None
    moved = [s for s in body[start:] if not _stays(s)]
    stays = [s for s in body if not any(s is m for m in moved)]
    if any(_holds_definition(s) or multiline_string(s) for s in moved):
        return None
    bound = {b.name for b in model.module_names.values()
             if any(_span(model, s)[0] <= b.line <= _span(model, s)[1] for s in moved)}
    if any(reader is not None for name in bound for reader in model.readers(name)):
        return None
    if any(bound & names_in(s) for s in stays if _span(model, s)[0] > _span(model, moved[0])[0]):
        return None
    lines = model.lines
    newline = model.newline
    title = f"Move the module-level code from line {_span(model, moved[0])[0]} under `{_GUARD}`"
    first = _span(model, moved[0])[0] - comments_above(moved[0])
    if len(moved) == len(body) - start:  # everything from the start on moves: indent it in place
        last = len(lines) - 1 if lines[-1] == "" else len(lines)
        region = [line.rstrip("\r") for line in lines[first - 1: last]]
        text = newline.join([_GUARD, *(model.indent + line if line.strip() else "" for line in region)])
        return Fix(title, UNSAFE, (Edit(first, 0, last, len(lines[last - 1].rstrip("\r")), text),))
    if lines[-1] != "":
        return None  # the file ends without a newline, perhaps in a moved statement
    edits, block, gone = [], [], set()
    for statement in moved:
        first, last = _span(model, statement)
        first -= comments_above(statement)
        block.extend(line.rstrip("\r") for line in lines[first - 1: last])
        if first >= 2 and (first - 1 in gone or not lines[first - 2].strip()):
            while last < len(lines) - 1 and not lines[last].strip():
                last += 1  # the blank lines after it too, where blank lines come before it
        gone.update(range(first, last + 1))
        edits.append(Edit(first, 0, last + 1, 0, ""))
    kept = [n for n in range(1, len(lines)) if n not in gone]
    blank = next((k for k, n in enumerate(reversed(kept)) if lines[n - 1].strip()), len(kept))
    indented = newline.join(model.indent + line if line.strip() else "" for line in block)
    end = len(lines)
    edits.append(Edit(end, 0, end, 0, newline * max(0, 2 - blank) + f"{_GUARD}{newline}{indented}{newline}"))
    return Fix(title, UNSAFE, tuple(edits))


def _span(model: ModuleModel, statement) -> tuple[int, int]:
    where = model.position(statement)
    return where.start.line, where.end.line


def _stays(statement) -> bool:
    if isinstance(statement, _STAYS):
        return True
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body)


def _holds_definition(statement) -> bool:
    """A moved statement that defines or imports something (``if x: def f()``): the child would miss it."""
    stack = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, (*_STAYS, cst.Import, cst.ImportFrom, cst.Global)):
            return True
        stack.extend(node.children)
    return False
