"""How a fix spells an API in a module: through what the module already imports."""

from __future__ import annotations

from typing import Optional

from ..model import ModuleModel


def spelled(model: ModuleModel, wanted: str) -> Optional[str]:
    """``wanted`` (``multiprocessing.Lock``) as this module can name it: a name imported as it (``Lock`` of
    ``from multiprocessing import Lock``), else an imported module's attribute (``mp.Lock`` through ``import
    multiprocessing as mp``); None when nothing imported spells it (a fix adds no imports)."""
    module, _, attribute = wanted.rpartition(".")
    direct = sorted(name for name, target in model.imports.items() if target == wanted)
    through = sorted(name for name, target in model.imports.items() if target == module)
    return direct[0] if direct else f"{through[0]}.{attribute}" if through else None
