"""Every bundled reproduction, linted: a buggy script is flagged exactly on the lines its
`# expect: CODE` labels mark, all by its own rule, and a fixed script is clean of every rule.

The scripts are edited by hand; the labels move with the lines, so no line number is written here.
New rules are picked up from `repros.CODES`.
"""

import pytest

from pvt_lint import repros
from pvt_lint.config import Config
from pvt_lint.runner import lint_file

from helpers import expected

SCRIPTS = [
    pytest.param(code, fixed, id=f"{code}-{'fixed' if fixed else 'buggy'}")
    for code in repros.CODES
    for fixed in (False, True)
]


@pytest.mark.parametrize(("code", "fixed"), SCRIPTS)
def test_repro_findings_are_its_labels(code, fixed):
    path = repros.script_path(code, fixed)
    labels = expected(path.read_text(encoding="utf-8"))
    found = {(f.line, f.code) for f in lint_file(str(path), Config()).findings}
    assert found == labels
    if fixed:
        assert labels == set()
    elif code != "PVT103":  # PVT103's script writes its unguarded program out (test_repros_static_process)
        assert labels and {label_code for _, label_code in labels} == {code}
