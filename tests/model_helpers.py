"""Build a ModuleModel from source the way the engine does, for direct unit tests."""

import textwrap

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pvt_lint.model import Collector, ModuleModel


def build(source: str) -> ModuleModel:
    module = cst.parse_module(textwrap.dedent(source))
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    collector = Collector(wrapper.resolve(PositionProvider))
    wrapper.visit_batched([collector])
    return ModuleModel(collector)


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
