"""Well-known third-party APIs that start child processes, in the registry's style: one data table.

The standard library's starters are in ``apis`` (``PROCESS_STARTING_CALLS``, ``POOL_CONSTRUCTORS``,
``PROCESS_CLASSES``). These are the libraries whose calls start processes out of sight: a script that
calls them at import time, without a main guard, re-runs itself in every spawned worker (PVT103).
Each entry says when the call starts processes, judged from literal arguments only: an argument that
is not a literal leaves the call out (precision first). The lead moves this table into ``apis.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst


@dataclass(frozen=True)
class ProcessStarter:
    """A call that starts processes when ``keyword`` (or the argument at ``position``) says so."""

    what: str  # for messages: "starts worker processes when iterated"
    keyword: str = ""
    position: int = -1
    # the argument's literal values that start processes; () means any literal int > 0
    values: tuple[str, ...] = ()
    default: bool = False  # whether the call starts processes when the argument is absent
    # keyword arguments whose literal value means threads, not processes (joblib's prefer="threads")
    thread_markers: tuple[tuple[str, str], ...] = ()


THIRD_PARTY_PROCESS_STARTERS: dict[str, ProcessStarter] = {
    # Iterating a DataLoader with num_workers > 0 forks or spawns that many workers (torch's default
    # start method follows multiprocessing's); 0, the default, loads in the main process.
    "torch.utils.data.DataLoader": ProcessStarter(
        "starts worker processes when iterated (num_workers > 0)", keyword="num_workers", position=7),
    "torch.utils.data.dataloader.DataLoader": ProcessStarter(
        "starts worker processes when iterated (num_workers > 0)", keyword="num_workers", position=7),
    # joblib's default backend, loky, runs tasks in worker processes; "threading" does not.
    "joblib.Parallel": ProcessStarter(
        "runs its tasks in worker processes (a process backend)", keyword="backend", position=1,
        values=("loky", "multiprocessing"), default=True,
        thread_markers=(("prefer", "threads"), ("require", "sharedmem"), ("n_jobs", "1"))),
    "torch.multiprocessing.spawn": ProcessStarter("starts processes", default=True),
    "torch.multiprocessing.start_processes": ProcessStarter("starts processes", default=True),
    "loky.get_reusable_executor": ProcessStarter("starts a process pool", default=True),
    "pathos.multiprocessing.ProcessPool": ProcessStarter("starts a process pool", default=True),
    "pathos.pools.ProcessPool": ProcessStarter("starts a process pool", default=True),
}


def third_party_start(qualname: Optional[str], call: cst.Call) -> Optional[str]:
    """What a call to a known third-party starter does, if these arguments make it start processes."""
    starter = THIRD_PARTY_PROCESS_STARTERS.get(qualname or "")
    if starter is None:
        return None
    for keyword, marker in starter.thread_markers:
        if _literal(_argument(call, keyword, -1)) == marker:
            return None
    if not starter.keyword:
        return starter.what
    value = _argument(call, starter.keyword, starter.position)
    if value is None:
        return starter.what if starter.default else None
    literal = _literal(value)
    if starter.values:
        return starter.what if literal in starter.values else None
    return starter.what if literal is not None and literal.isdigit() and int(literal) > 0 else None


def _argument(call: cst.Call, keyword: str, position: int) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return positional[position].value if 0 <= position < len(positional) else None


def _literal(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(expr, cst.SimpleString):
        return str(expr.evaluated_value)
    if isinstance(expr, cst.Integer):
        return str(expr.evaluated_value)
    return None
