"""The model's visitors for the engine's one walk, and the tables they fill.

They record, in source order, what can be seen locally (imports, definitions, bindings, writes, reads,
calls, lock regions, loops, ifs) and leave everything that depends on code further down the file
(which function a name means, what an executor variable holds) to ``ModuleModel``. They run in this
order, before the rules' own visitors: ``DefinitionVisitor`` first, because the others read the frame
it keeps.
"""

from __future__ import annotations

from typing import Optional

from .accesses import AccessVisitor
from .cpu import CpuVisitor
from .definitions import DefinitionVisitor
from .loads import LoadVisitor
from .loops import LoopTracker
from .scopes import Scopes


class Collector:
    """Positions come resolved once by the engine, so the model can use them after the walk; ``text``, the
    module's source, when the caller has it, saves walking values that cannot read a target."""

    def __init__(self, positions, text: Optional[str] = None) -> None:
        self.positions = positions
        self.scopes = Scopes()
        self.definitions = DefinitionVisitor(self.scopes, positions)
        self.loop_tracker = LoopTracker(self.definitions, positions)
        self.access_visitor = AccessVisitor(self.definitions, positions, text)
        self.load_visitor = LoadVisitor(self.definitions)
        self.cpu_visitor = CpuVisitor(self.definitions, self.loop_tracker, positions)

    @property
    def visitors(self) -> tuple:
        """The visitors to hand the walk, in this order."""
        return (self.definitions, self.loop_tracker, self.access_visitor, self.load_visitor, self.cpu_visitor)
