"""One file's analysis inside a run: a bug met on one file costs that file, not the run (ruff reports
panics so too). The serial loop and every worker process call this."""

from __future__ import annotations

from .. import engine
from ..config import Config
from ..findings import INTERNAL_ERROR, FileResult


def analyse_guarded(data: bytes, path: str, config: Config, **options) -> FileResult:
    """``options``: engine.analyse's project keywords (module, is_package, force, facts)."""
    try:
        return engine.analyse(data, path, config, **options)
    except RecursionError:
        return FileResult(path, skipped="not analysed: nested too deeply even for a 512 MiB stack")
    except Exception as exc:  # noqa: BLE001
        return FileResult(path, skipped=f"not analysed: internal error ({type(exc).__name__}: {exc})",
                          failure=INTERNAL_ERROR)
