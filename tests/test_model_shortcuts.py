"""The collector's shortcuts change nothing it records: with the module's text (an assignment's value is
walked only when its source names the target) and without it (every value walked), the same accesses;
a target's text read off the node is the text libcst generates for it."""

from __future__ import annotations

import libcst as cst
import pytest

from helpers import ODD, ROOT, SOURCES, parsable_text
from pvt_lint.engine import build_model, on_deep_stack

ODD_TARGETS = """\
count = count + 1
def work(self, other, table, key, a):
    self.n = self.n + 1
    self . n = other.n + 1
    (total) = total * 2
    a.b.c = a.b.c + 1
    table[key] = table.get(key, 0) + 1
    spaced = "spaced in a string only"
    x: int = x + 1
"""


def accesses(text: str, given: bool) -> list[tuple]:
    model = build_model(cst.parse_module(text), (), text if given else None)
    return [(a.kind, a.function, a.line, a.column, a.end_line, a.end_column, a.root, a.attr, a.text, a.via)
            for a in [*model.module_accesses, *model.accesses()]]


def same_accesses(text: str) -> None:
    assert accesses(text, True) == accesses(text, False)


@pytest.mark.slow
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_same_accesses_with_and_without_the_text_on_real_files(path):
    on_deep_stack(same_accesses, parsable_text(path))


@pytest.mark.parametrize("text", [*ODD, ODD_TARGETS])
def test_the_same_accesses_with_and_without_the_text_on_odd_code(text):
    on_deep_stack(same_accesses, text)


def test_targets_keep_their_own_spelling():
    model = build_model(cst.parse_module(ODD_TARGETS), (), ODD_TARGETS)
    found = [(a.text, a.kind) for a in [*model.module_accesses, *model.accesses()]]
    assert found == [
        ("count", "rmw"), ("self.n", "rmw"), ("self . n", "item-store"), ("(total)", "rmw"), ("a.b.c", "rmw"),
        ("table[key]", "rmw"), ("spaced", "store"), ("x", "rmw"),
    ]


def test_a_judged_model_and_its_tree_are_freed_without_the_cycle_collector(monkeypatch):
    # The model's thread facts point back at it; once the rules have judged, the engine drops them
    # (ModuleModel.release), so that the module's tree goes when the analysis ends, not at the next
    # collection (whose traversals of it were 8% of a cold run's CPU).
    import gc
    import weakref

    from pvt_lint import engine
    from pvt_lint.config import Config

    models = []
    real = engine.build_model

    def spy(*args):
        model = real(*args)
        models.append(weakref.ref(model))
        return model

    monkeypatch.setattr(engine, "build_model", spy)
    text = (ROOT / "fixtures" / "PVT202" / "atomic_fixes.py").read_text()
    gc.collect()
    gc.disable()
    try:
        findings = engine.analyse(text, "atomic_fixes.py", Config()).findings
        alive = [ref() is not None for ref in models]
    finally:
        gc.enable()
    assert findings and alive == [False]
