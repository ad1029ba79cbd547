"""CONTRIBUTING.md's "Adding a rule" checklist, checked: every rule has its repro pair, fixtures with a
label of its code, a generated docs page and a concept anchor that is a heading of docs/concepts.md.
Nothing else is listed by hand, so this is all a new rule needs besides its module."""

import pytest

from pvt_lint import docs, repros
from pvt_lint.rules import all_rules

from helpers import ROOT
from helpers import expected


def gaps(code: str, concept: str, root) -> list[str]:
    """What the checklist still misses for rule ``code`` in the checkout at ``root``; [] when done."""
    out = []
    for variant in ("buggy", "fixed"):
        if not (root / "pvt_lint" / "repros" / f"{code.lower()}_{variant}.py").is_file():
            out.append(f"repro pvt_lint/repros/{code.lower()}_{variant}.py")
    fixtures = sorted((root / "fixtures" / code).glob("*.py"))
    if not any(code in {c for _, c in expected(p.read_text(encoding="utf-8"))} for p in fixtures):
        out.append(f"a fixture under fixtures/{code}/ with a `# expect: {code}` label")
    if not (root / "docs" / "rules" / f"{code}.md").is_file():
        out.append(f"docs/rules/{code}.md")
    concepts = root / "docs" / "concepts.md"
    anchors = docs.concept_anchors(concepts.read_text(encoding="utf-8")) if concepts.is_file() else {}
    if concept not in anchors:
        out.append(f"a heading of docs/concepts.md for CONCEPT {concept!r}")
    return out


@pytest.mark.parametrize("rule", [pytest.param(rule, id=rule.CODE) for rule in all_rules()])
def test_every_rule_has_repro_pair_fixtures_docs_and_concept(rule):
    assert gaps(rule.CODE, rule.CONCEPT, ROOT) == []
    assert rule.CODE in repros.CODES


def test_a_rule_with_nothing_but_its_module_misses_every_item(tmp_path):
    assert gaps("PVT199", "9-no-such-section", tmp_path) == [
        "repro pvt_lint/repros/pvt199_buggy.py",
        "repro pvt_lint/repros/pvt199_fixed.py",
        "a fixture under fixtures/PVT199/ with a `# expect: PVT199` label",
        "docs/rules/PVT199.md",
        "a heading of docs/concepts.md for CONCEPT '9-no-such-section'",
    ]


def test_a_fixture_labelled_only_with_other_codes_does_not_count(tmp_path):
    (tmp_path / "fixtures" / "PVT199").mkdir(parents=True)
    (tmp_path / "fixtures" / "PVT199" / "near_miss.py").write_text("x = 1  # expect: PVT101\n", encoding="utf-8")
    assert "a fixture under fixtures/PVT199/ with a `# expect: PVT199` label" in gaps("PVT199", "", tmp_path)
    (tmp_path / "fixtures" / "PVT199" / "caught.py").write_text("x = 1  # expect: PVT199\n", encoding="utf-8")
    assert "a fixture under fixtures/PVT199/ with a `# expect: PVT199` label" not in gaps("PVT199", "", tmp_path)
