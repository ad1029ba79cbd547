"""The runner: runs a run. Which files, in what order, what is fresh; it never judges code (the engine
does, one source at a time).

``run`` (the stages of a run), ``discovery`` (walking directories), ``gitdiff`` (``--diff``),
``reading``, ``cache`` (results kept between runs), ``workers`` (analysis on processes) and ``guarded``
(one file's analysis, where a bug costs only that file), ``per_file`` (the per-file stage) and
``project`` (the whole-project stage: the layout, the rounds that join the per-file summaries into
facts, and ``facts_for_file`` for adapters that see one file at a time).
"""

from .report import Report
from .project.rounds import facts_for_file
from .run import PARALLEL_MIN_FILES, lint_file, lint_paths

__all__ = ["PARALLEL_MIN_FILES", "Report", "facts_for_file", "lint_file", "lint_paths"]
