"""A run over one source read from standard input (``pvt-lint -``), as editors and formatter pipelines
send it: ``--stdin-filename`` names it for the configuration, per-file-ignores and the report."""

from __future__ import annotations

from ..config import Config
from ..findings import FileResult
from .guarded import analyse_guarded
from .report import Report

STDIN_NAME = "-"  # the name in the report when --stdin-filename is not given (ruff's too)


def lint_stdin(data: bytes, name: str, config: Config) -> Report:
    """The report for ``data`` as if it were the file ``name``; nothing when force-exclude excludes it."""
    report = Report()
    if name != STDIN_NAME and config.excludes_named_path(name):
        return report
    if len(data) > config.max_file_size:
        report.add(FileResult(name, skipped=f"larger than max-file-size ({len(data)} > {config.max_file_size} bytes)"))
    else:
        report.add(analyse_guarded(data, name, config))
    report.sort()
    return report
