"""PVT203's fix: take the lock that guards the state's other writes around the unlocked statement; and
PVT201's, where no write of the state takes a lock but its owner has one lock only (``own_lock``).

``self.balance -= amount`` becomes ``with self._lock:`` and the statement indented under it; for a
check-then-act the whole ``if`` goes under the lock, since the test and the act must be one step. Always
unsafe: the lock now also orders this code against the other holders, which a person should review.

Offered only when the lock is in scope where the statement is, named the same way: an attribute of the
same ``self`` in a method of the class whose method takes it, or a module global that neither function
rebinds. Not offered when taking it there could deadlock (a caller of the function holds it already, or
a call inside the statement reaches code of this module that takes it), when the statement shares its
line with other code (``x += 1; y = 2``, a one-line ``if``), or when it holds a multi-line string, whose
lines indentation would change.
"""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from ..findings import UNSAFE, Edit, Fix
from ..model import GLOBAL, SELF, ModuleModel
from .fix_text import multiline_string

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")


def lock_fix(model: ModuleModel, node: cst.CSTNode, function: Optional[str], lock: str,
             holder: Optional[str]) -> Optional[Fix]:
    """The fix that runs ``node`` (a statement of ``function``) under ``lock``, as ``holder`` names it
    where it takes it; None when that is not possible without risk of a wrong name or a deadlock."""
    if not _in_scope(model, lock, function, holder) or _may_deadlock(model, node, function, lock):
        return None
    if multiline_string(node):
        return None
    where = model.position(node)
    lines = model.lines
    first, last = where.start.line, where.end.line
    if not (1 <= first <= last <= len(lines)):
        return None
    indent = lines[first - 1][: where.start.column]
    rest = lines[last - 1][where.end.column:].strip()
    if indent.strip() or (rest and not rest.startswith("#")):
        return None  # the statement shares its line with other code
    newline = model.newline
    body = [line.rstrip("\r") for line in lines[first - 1: last]]
    unit = "\t" if "\t" in indent else model.indent
    text = newline.join([f"{indent}with {lock}:", *(unit + line if line.strip() else line for line in body)])
    return Fix(f"Hold `{lock}`", UNSAFE, (Edit(first, 0, last, len(body[-1]), text),))


def _in_scope(model: ModuleModel, lock: str, function: Optional[str], holder: Optional[str]) -> bool:
    """Does ``lock``, as written in ``holder``, name the same object in ``function``?"""
    if not _DOTTED.match(lock):
        return False  # a lock taken through a call or an item: which one is not known
    root = lock.split(".", 1)[0]
    fn, other = model.function(function), model.function(holder)
    if fn is not None and other is not None and fn.self_name == root:
        return other.self_name == root and fn.class_qualname is not None and fn.class_qualname == other.class_qualname
    return all(model.name_kind(root, where) == GLOBAL for where in (function, holder))


def _may_deadlock(model: ModuleModel, node: cst.CSTNode, function: Optional[str], lock: str) -> bool:
    """Would holding ``lock`` around ``node`` take it twice: a caller of ``function`` holds it, or a call
    inside ``node`` reaches a function of this module that takes it."""
    if function is not None and any(lock in site.locks for site in model.callers_of(function)):
        return True
    where = model.position(node)
    for site in model.calls_in(function):
        if site.callee is None or not where.start.line <= site.line <= where.end.line:
            continue
        if any(lock in model.locks_taken(reached) for reached in model.closure(site.callee)):
            return True
    return False


def own_lock(model: ModuleModel, access) -> Optional[tuple[str, Optional[str]]]:
    """The one lock the owner of ``access``'s state takes: for ``self`` state, the ``self.<x>`` locks the
    methods of its class take; for a module global, the module-global locks its functions take. Returns
    (lock, a function taking it) when there is exactly one, else None (which one guards what is a guess)."""
    fn = model.function(access.function)
    if access.ref.kind == SELF:
        if fn is None or fn.class_qualname is None or fn.class_qualname not in model.classes:
            return None
        holders = [model.function(q) for q in model.classes[fn.class_qualname].methods.values()]
        found = {(lock, h.qualname) for h in holders if h is not None and h.self_name
                 for lock in model.locks_taken(h.qualname) if lock.startswith(f"{h.self_name}.")}
        names = {lock.split(".", 1)[1] for lock, _ in found}
    elif access.ref.kind == GLOBAL:
        found = {(lock, q) for q in model.functions for lock in model.locks_taken(q)
                 if _DOTTED.match(lock) and model.name_kind(lock.split(".", 1)[0], q) == GLOBAL}
        names = {lock for lock, _ in found}
    else:
        return None
    return min(found) if len(names) == 1 else None
