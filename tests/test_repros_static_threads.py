"""The bundled thread-race reproductions, linted: each buggy script is flagged exactly where its race
is, by its own rule, and each fixed script is clean of thread findings."""

from pathlib import Path

import pytest

from pvt_lint import repros
from pvt_lint.config import Config
from pvt_lint.runner import lint_file

REPROS = Path(repros.__file__).parent

EXPECTED = {
    # counter += step() in add_one, run by two threads (directly and through a helper).
    "pvt201_buggy.py": {(26, "PVT201")},
    # if _instance is None in get_instance, reached from both thread targets.
    "pvt202_buggy.py": {(28, "PVT202")},
    # self.balance -= ... in withdraw, while deposit updates it under self._lock.
    "pvt203_buggy.py": {(32, "PVT203")},
    "pvt201_fixed.py": set(),
    "pvt202_fixed.py": set(),
    "pvt203_fixed.py": set(),
}


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    matches = [number for number, line in enumerate(lines, start=1) if text in line]
    assert len(matches) == 1, (path.name, text, matches)
    return matches[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_thread_repro_findings(name):
    path = REPROS / name
    found = {(f.line, f.code) for f in lint_file(str(path), Config()).findings if f.code.startswith("PVT2")}
    assert found == EXPECTED[name]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pvt201_buggy.py", "    counter += step()"),
        ("pvt202_buggy.py", "    if _instance is None:"),
        ("pvt203_buggy.py", "        self.balance -= audited(amount)"),
    ],
)
def test_expected_lines_point_at_the_race(name, text):
    # The repros are edited by hand: this keeps the line numbers above honest.
    (line, _), = EXPECTED[name]
    assert _line_of(REPROS / name, text) == line
