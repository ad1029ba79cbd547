"""The bundled process reproductions, linted: each buggy script is flagged exactly where its bug is, by
its own rule, and each fixed script is clean of process findings."""

from pathlib import Path

import pytest

from pvt_lint import repros
from pvt_lint.config import Config
from pvt_lint.engine import lint_source
from pvt_lint.runner import lint_file
from pvt_lint.repros import pvt103_buggy, pvt103_fixed

REPROS = Path(repros.__file__).parent

# file -> the lines (found by their text, so edits above them do not matter) and the code expected there
EXPECTED = {
    "pvt101_buggy.py": [("    data.append(1)", "PVT101")],
    "pvt102_buggy.py": [("pool.map(lambda x: x * x", "PVT102"), ("ctx.Process(target=square", "PVT102")],
    "pvt104_buggy.py": [("ctx.Process(target=producer", "PVT104"), ("ctx.Process(target=locked_work", "PVT104")],
    # The PVT103 scripts only write and run their program (tested below): they start nothing themselves.
    "pvt103_buggy.py": [],
    "pvt101_fixed.py": [],
    "pvt102_fixed.py": [],
    "pvt103_fixed.py": [],
    "pvt104_fixed.py": [],
}


def _line_of(text: str, fragment: str) -> int:
    matches = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(matches) == 1, (fragment, matches)
    return matches[0]


def _process_findings(findings) -> set[tuple[int, str]]:
    return {(f.line, f.code) for f in findings if f.code.startswith("PVT1")}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_process_repro_findings(name):
    path = REPROS / name
    text = path.read_text(encoding="utf-8")
    expected = {(_line_of(text, fragment), code) for fragment, code in EXPECTED[name]}
    assert _process_findings(lint_file(str(path), Config()).findings) == expected


def test_the_unguarded_program_pvt103_runs_is_flagged_at_its_start():
    source = pvt103_buggy.UNGUARDED
    assert _process_findings(lint_source(source, "unguarded.py")) == {(_line_of(source, "p.start()"), "PVT103")}


def test_the_guarded_program_pvt103_fixed_runs_is_clean():
    assert _process_findings(lint_source(pvt103_fixed.GUARDED, "guarded.py")) == set()
