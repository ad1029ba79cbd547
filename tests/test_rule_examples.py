"""Every rule's VALID and INVALID examples, run through the real engine (Fixit's way)."""

import textwrap

import pytest

from pvt_lint.engine import lint_source
from pvt_lint.rules import all_rules

from helpers import expected

CASES = [
    pytest.param(rule, kind, index, id=f"{rule.CODE}-{kind}-{index}")
    for rule in all_rules()
    for kind in ("valid", "invalid")
    for index in range(len(rule.VALID if kind == "valid" else rule.INVALID))
]


@pytest.mark.parametrize(("rule", "kind", "index"), CASES)
def test_example(rule, kind, index):
    source = textwrap.dedent((rule.VALID if kind == "valid" else rule.INVALID)[index])
    found = {(f.line, f.code) for f in lint_source(source, "example.py") if f.code == rule.CODE}
    if kind == "valid":
        assert found == set()
    else:
        labels = {(line, code) for line, code in expected(source) if code == rule.CODE}
        assert labels, "an INVALID example must label the lines it expects"
        assert found == labels


def test_codes_and_names_are_unique_and_well_formed():
    rules = all_rules()
    codes = [r.CODE for r in rules]
    names = [r.NAME for r in rules]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in rules:
        assert rule.CODE[:3] == "PVT" and rule.CODE[3:].isdigit() and len(rule.CODE) == 6
        assert rule.CODE[3] in "1234", "1xx process, 2xx thread, 3xx GIL and start-up cost, 4xx fault isolation"
        assert rule.NAME == rule.NAME.lower() and " " not in rule.NAME


def test_every_rule_has_examples_both_ways():
    for rule in all_rules():
        assert rule.VALID, rule.CODE
        assert rule.INVALID, rule.CODE
