"""PVT103's reproductions write a program out and run it: that program, linted, is flagged at its
start (buggy) or clean (fixed). The scripts themselves are checked by test_repros_static.py."""

from pvt_lint.engine import lint_source
from pvt_lint.repros import pvt103_buggy, pvt103_fixed


def _line_of(text: str, fragment: str) -> int:
    # The program is a string the script writes out: a `# expect:` label in it would also be read
    # as a label of the script itself, so its line is found by its text.
    matches = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(matches) == 1, (fragment, matches)
    return matches[0]


def _process_findings(findings) -> set[tuple[int, str]]:
    return {(f.line, f.code) for f in findings if f.code.startswith("PVT1")}


def test_the_unguarded_program_pvt103_runs_is_flagged_at_its_start():
    source = pvt103_buggy.UNGUARDED
    assert _process_findings(lint_source(source, "unguarded.py")) == {(_line_of(source, "p.start()"), "PVT103")}


def test_the_guarded_program_pvt103_fixed_runs_is_clean():
    assert _process_findings(lint_source(pvt103_fixed.GUARDED, "guarded.py")) == set()
