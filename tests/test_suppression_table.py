"""Issue 18 item 5: one suppression grammar, one table of cases, run through the real ``pvt-lint``
and the real ``flake8`` (with the plugin): for every case both must agree with the table.

Each case is a file holding one PVT101 (``data.append(1)`` in a Process target) and one comment: at the
end of the finding's line (``line``), or on a line of its own at the top of the file (``file``).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pvt_lint.engine import lint_source

from helpers import run_cli

pytestmark = pytest.mark.slow

BODY = """import multiprocessing
data = []
def worker():
    data.append(1){comment}
if __name__ == "__main__":
    multiprocessing.Process(target=worker).start()
"""

# (where, comment, suppressed?)
CASES = [
    ("line", "", False),
    ("line", "  # noqa", True),
    ("line", "  # NOQA", True),
    ("line", "  #noqa", True),
    ("line", "  # noqa: PVT101", True),
    ("line", "  # noqa:PVT1", True),
    ("line", "  # NOQA:pvt101", True),
    ("line", "  # noqa: E501,PVT101", True),
    ("line", "  # noqa: E501 PVT101", True),
    ("line", "  # noqa: PVT2", False),
    ("line", "  # noqa: E501", False),
    ("file", "# pvt-lint: noqa", True),
    ("file", "# PVT-LINT: NOQA", True),
    ("file", "    # pvt-lint: noqa", True),
    ("file", "# pvt-lint: noqa: PVT1", True),
    ("file", "# pvt-lint: noqa: PVT101,PVT2", True),
    ("file", "# pvt-lint: noqa: PVT2", False),
    ("file", "# flake8: noqa", True),
    ("file", "# flake8: NOQA", True),
    ("file", "# flake8: noqa: E501", True),  # flake8 ignores the whole file whatever follows
    ("file", "x = 1  # pvt-lint: noqa", False),  # a file directive is a line of its own
    ("file", "x = 1  # flake8: noqa", False),
    ("file", "# pvt-lint noqa", False),
]


def source(where: str, comment: str) -> str:
    if where == "line":
        return BODY.format(comment=comment)
    return comment + "\n" + BODY.format(comment="")


def write_cases(tmp_path):
    for n, (where, comment, _) in enumerate(CASES):
        (tmp_path / f"case{n:02d}.py").write_text(source(where, comment))


def expected_files() -> set[str]:
    return {f"case{n:02d}.py" for n, (_, _, suppressed) in enumerate(CASES) if not suppressed}


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


def test_the_engine_follows_the_table():
    for where, comment, suppressed in CASES:
        found = [f.code for f in lint_source(source(where, comment))]
        assert found == ([] if suppressed else ["PVT101"]), (where, comment)


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
