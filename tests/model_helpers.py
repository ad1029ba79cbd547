"""Build a ModuleModel from source exactly as the engine does, for direct unit tests."""

import textwrap

import libcst as cst

from pvt_lint.engine import build_model
from pvt_lint.model import ModuleModel


def build(source: str) -> ModuleModel:
    return build_model(cst.parse_module(textwrap.dedent(source)))


def sites(model: ModuleModel) -> list[tuple]:
    """(line, context, api, role, form, target, concurrent) for every dispatch site."""
    return sorted(
        (s.line, s.context, s.api, s.role, s.form, s.target, s.concurrent) for s in model.dispatches
    )


def refs(model: ModuleModel, function: str) -> list[tuple]:
    """(line, kind, state kind, state name, owner, in place, locks) for a function's writes."""
    fn = model.functions[function]
    return [
        (a.line, a.kind, a.ref.kind, a.ref.name, a.ref.owner, a.in_place, tuple(sorted(model.effective_locks(a))))
        for a in fn.accesses
    ]
