"""Issue 18 item 5: one suppression grammar, one table of cases, run through the real ``pvt-lint``
and the real ``flake8`` (with the plugin): for every case both must agree with the table.

Each case is a file holding one PVT101 (``data.append(1)`` in a Process target) and one comment: at the
end of the finding's line (``line``), at the end of a line with no finding (``other``), or on a line of its
own at the top of the file (``file``). The last column is what PVT001 (unused-noqa, off by default) says
when it is selected, on the comment's line, or None.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pvt_lint.config import Config
from pvt_lint.engine import lint_source

from helpers import run_cli

pytestmark = pytest.mark.slow

BODY = """import multiprocessing
data = []{other}
def worker():
    data.append(1){comment}
if __name__ == "__main__":
    multiprocessing.Process(target=worker).start()
"""

# (where, comment, suppressed?, PVT001's message when selected)
UNUSED = "unused `noqa` directive ({})"
CASES = [
    ("line", "", False, None),
    ("line", "  # noqa", True, None),
    ("line", "  # NOQA", True, None),
    ("line", "  #noqa", True, None),
    ("line", "  # noqa: PVT101", True, None),
    ("line", "  # noqa:PVT1", True, None),
    ("line", "  # NOQA:pvt101", True, None),
    ("line", "  # noqa: E501,PVT101", True, None),
    ("line", "  # noqa: E501 PVT101", True, None),
    ("line", "  # noqa: PVT2", False, UNUSED.format("unused: `PVT2`")),
    ("line", "  # noqa: E501", False, None),
    ("line", "  # noqa: PVT101,PVT2", True, UNUSED.format("unused: `PVT2`")),
    ("line", "  # noqa: PVT1, PVT001", True, None),  # names PVT001 itself
    ("other", "  # noqa", False, None),  # a bare noqa may serve another linter
    ("other", "  # noqa: E501", False, None),
    ("other", "  # noqa: PVT101", False, UNUSED.format("unused: `PVT101`")),
    ("other", "  # noqa: pvt1, E501, PVT203", False, UNUSED.format("unused: `PVT1`, `PVT203`")),
    ("file", "# pvt-lint: noqa", True, None),
    ("file", "# PVT-LINT: NOQA", True, None),
    ("file", "    # pvt-lint: noqa", True, None),
    ("file", "# pvt-lint: noqa: PVT1", True, None),
    ("file", "# pvt-lint: noqa: PVT101,PVT2", True, None),
    ("file", "# pvt-lint: noqa: PVT2", False, None),
    ("file", "# flake8: noqa", True, None),
    ("file", "# flake8: NOQA", True, None),
    ("file", "# flake8: noqa: E501", True, None),  # flake8 ignores the whole file whatever follows
    ("file", "x = 1  # pvt-lint: noqa", False, None),  # a file directive is a line of its own
    ("file", "x = 1  # flake8: noqa", False, None),
    ("file", "# pvt-lint noqa", False, None),
]


def source(where: str, comment: str) -> str:
    if where == "line":
        return BODY.format(comment=comment, other="")
    if where == "other":
        return BODY.format(comment="", other=comment)
    return comment + "\n" + BODY.format(comment="", other="")


def write_cases(tmp_path):
    for n, (where, comment, _, _) in enumerate(CASES):
        (tmp_path / f"case{n:02d}.py").write_text(source(where, comment))


def expected_files() -> set[str]:
    return {f"case{n:02d}.py" for n, (_, _, suppressed, _) in enumerate(CASES) if not suppressed}


def expected_unused() -> set[tuple[str, int, int, str]]:
    """(file, line, 1-based column, message) of every PVT001, the column being the comment's ``#``."""
    out = set()
    for n, (where, comment, _, message) in enumerate(CASES):
        if message is not None:
            line = 4 if where == "line" else 2
            column = len(source(where, comment).splitlines()[line - 1].split("#")[0]) + 1
            out.add((f"case{n:02d}.py", line, column, message))
    return out


def test_the_real_cli_follows_the_table(tmp_path):
    write_cases(tmp_path)
    result = run_cli("--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = {f["path"] for f in json.loads(result.stdout)}
    assert {f["code"] for f in json.loads(result.stdout)} == {"PVT101"}
    assert found == expected_files()


def test_the_real_flake8_with_the_plugin_follows_the_table(tmp_path):
    write_cases(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "PVT", "--format", "%(path)s %(code)s", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert {line.split()[1] for line in lines} == {"PVT101"}
    assert {line.split()[0].removeprefix("./") for line in lines} == expected_files()


def test_the_real_cli_reports_unused_noqa_when_selected(tmp_path):
    write_cases(tmp_path)
    result = run_cli("--no-cache", "--format", "json", "--extend-select", "PVT001", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = json.loads(result.stdout)
    assert {f["path"] for f in found if f["code"] == "PVT101"} == expected_files()
    assert {(f["path"], f["line"], f["column"], f["message"]) for f in found if f["code"] == "PVT001"} == expected_unused()
    assert {f["code"] for f in found} == {"PVT101", "PVT001"}


def test_the_real_flake8_reports_unused_noqa_when_selected(tmp_path):
    write_cases(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "PVT", "--extend-select", "PVT001",
         "--format", "%(path)s|%(row)d|%(col)d|%(code)s|%(text)s", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stderr
    rows = [line.split("|", 4) for line in result.stdout.splitlines()]
    assert {path.removeprefix("./") for path, _, _, code, _ in rows if code == "PVT101"} == expected_files()
    assert {(path.removeprefix("./"), int(row), int(col), text) for path, row, col, code, text in rows
            if code == "PVT001"} == expected_unused()
    assert {code for *_, code, _ in rows} == {"PVT101", "PVT001"}


def test_the_engine_follows_the_table():
    with_unused = Config(select=("PVT", "PVT001"))
    for where, comment, suppressed, message in CASES:
        found = [f.code for f in lint_source(source(where, comment))]
        assert found == ([] if suppressed else ["PVT101"]), (where, comment)
        found = [(f.code, f.message) for f in lint_source(source(where, comment), "a.py", with_unused)]
        started = 7 if where == "file" else 6
        expected = ([] if suppressed else [("PVT101", "global `data` is changed by `.append()` in child process target "
                                                      f"`worker` (started at line {started}); the parent never sees the "
                                                      "change")])
        if message is not None:
            expected.append(("PVT001", message))
        assert sorted(found) == sorted(expected), (where, comment)


def test_file_noqa_values():
    from pvt_lint.suppress import apply_noqa, file_noqa

    assert file_noqa("x = 1\n") is False
    assert file_noqa("# pvt-lint: noqa\n") is True
    assert file_noqa("# pvt-lint: noqa: PVT1, PVT203\n") == frozenset({"PVT1", "PVT203"})
    assert apply_noqa([], "# pvt-lint: noqa\n") == []


# ---- extend-select / extend-ignore in the configuration (ruff's keys) ------------------------------
def test_extend_select_and_extend_ignore_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pvt-lint]\nselect = ["PVT2"]\nextend-select = ["PVT1"]\nextend-ignore = ["PVT102"]\n'
    )
    (tmp_path / "a.py").write_text(source("line", ""))
    result = run_cli("--no-cache", "--format", "json", "a.py", cwd=tmp_path)
    assert (result.returncode, [f["code"] for f in json.loads(result.stdout)]) == (1, ["PVT101"])
    (tmp_path / "pyproject.toml").write_text('[tool.pvt-lint]\nextend-ignore = ["PVT101"]\n')
    result = run_cli("--no-cache", "--format", "json", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, "[]")
