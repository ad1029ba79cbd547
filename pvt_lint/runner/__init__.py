"""The runner: runs a run. Which files, in what order, what is fresh; it never judges code (the engine
does, one source at a time).

``run`` (the stages of a run), ``discovery`` (walking directories), ``gitdiff`` (``--diff``),
``reading``, ``cache`` (results kept between runs), ``workers`` (analysis on processes) and ``guarded``
(one file's analysis, where a bug costs only that file). The whole-project stage, which joins the
per-file summaries, belongs here too, as a stage of ``run``.
"""

from .report import Report
from .run import PARALLEL_MIN_FILES, lint_file, lint_paths

__all__ = ["PARALLEL_MIN_FILES", "Report", "lint_file", "lint_paths"]
