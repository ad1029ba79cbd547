"""Summaries of a fixture project, built as the per-file stage will build them: one parse per module."""

from pathlib import Path

import libcst as cst

from pvt_lint.engine import build_model
from pvt_lint.model.summary import ModuleSummary, summarize
from pvt_lint.project.layout import discover

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def summaries_of(project: Path) -> dict[str, ModuleSummary]:
    layout = discover(project)
    out = {}
    for name, path in layout.modules.items():
        tree = cst.parse_module(path.read_text(encoding="utf-8"))
        out[name] = summarize(build_model(tree), name, layout.is_package(name), tree)
    return out
