"""The real command line: exit codes, formats, options (run in a subprocess)."""

import json
from pathlib import Path

import pytest

from helpers import BUGGY, run_cli

pytestmark = pytest.mark.slow

TRAP = "fixtures/PVT101/global_variable_trap.py"
TRAP_LINE = "fixtures/PVT101/global_variable_trap.py:11:5: PVT101 global `data` is changed by `.append()` in child process target `worker` (started at line 16); the parent never sees the change"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_text_output_is_flake8_style_with_one_based_columns_and_exit_1():
    result = run_cli("--no-cache", TRAP)
    assert result.returncode == 1
    assert result.stdout == TRAP_LINE + "\n"
    assert result.stderr == "1 finding in 1 file (0 files skipped)\n"


def test_clean_fixture_directory_exits_0():
    result = run_cli("--no-cache", "fixtures/clean")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.startswith("0 findings in ")


def test_json_output_has_the_documented_keys():
    result = run_cli("--no-cache", "--format", "json", TRAP)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert len(data) == 1
    assert set(data[0]) == {
        "path", "line", "column", "end_line", "end_column", "code", "name",
        "message", "severity", "url", "concept_url", "related", "fix",
    }
    assert data[0]["fix"] is None  # PVT101 has no fix; ruff's JSON has the key, null, too
    assert (data[0]["line"], data[0]["column"], data[0]["code"]) == (11, 5, "PVT101")
    assert data[0]["related"] == [{"line": 16, "column": 9, "message": "`worker` is sent to a child process here"}]
    assert data[0]["url"].endswith("/docs/rules/PVT101.md")


def test_json_output_of_a_clean_run_is_an_empty_array():
    result = run_cli("--no-cache", "--format", "json", "fixtures/clean")
    assert result.returncode == 0
    assert json.loads(result.stdout) == []


def test_missing_path_exits_2_with_a_message_and_still_lints_the_rest():
    result = run_cli("--no-cache", "does-not-exist/", TRAP)
    assert result.returncode == 2
    assert "pvt-lint: error: does-not-exist/: No such file or directory" in result.stderr
    assert result.stdout == TRAP_LINE + "\n"
    assert "Traceback" not in result.stderr


def test_whole_fixture_tree_reports_syntax_error_and_still_reports_others():
    result = run_cli("--no-cache", "fixtures/", "--format", "json")
    codes = {(Path(f["path"]).parent.name, f["code"]) for f in json.loads(result.stdout)}
    assert ("PVT000", "PVT000") in codes
    assert ("PVT101", "PVT101") in codes
    assert result.returncode == 1


def test_exit_zero_keeps_findings_but_exits_0():
    result = run_cli("--no-cache", "--exit-zero", TRAP)
    assert result.returncode == 0
    assert result.stdout == TRAP_LINE + "\n"


def test_select_and_ignore_by_prefix():
    assert run_cli("--no-cache", "--select", "PVT2", TRAP).returncode == 0
    assert run_cli("--no-cache", "--ignore", "PVT1", TRAP).returncode == 0
    assert run_cli("--no-cache", "--select", "PVT1", "--ignore", "PVT2", TRAP).returncode == 1
    assert run_cli("--no-cache", "--select", "PVT", "--ignore", "PVT101", TRAP).stdout == ""


def test_bad_code_in_select_is_a_usage_error():
    result = run_cli("--no-cache", "--select", "E501", TRAP)
    assert result.returncode == 2
    assert result.stderr == (
        "pvt-lint: error: command line: '--select' has 'E501', which is not a rule code or prefix "
        "(expected PVT, PVT1, PVT101, ...)\n"
    )


def test_unknown_option_and_format_are_usage_errors():
    assert run_cli("--no-such-option").returncode == 2
    assert run_cli("--no-cache", "--format", "xml", TRAP).returncode == 2


def test_output_file(tmp_path):
    out = tmp_path / "report.txt"
    result = run_cli("--no-cache", "--output", str(out), TRAP)
    assert result.returncode == 1
    assert result.stdout == ""
    assert out.read_text() == TRAP_LINE + "\n"


def test_statistics_counts_per_code():
    result = run_cli("--no-cache", "--statistics", TRAP, "fixtures/PVT000")
    assert result.stdout == "1     PVT000 syntax-error\n1     PVT101 global-mutated-in-child\n"


def test_quiet_prints_no_summary():
    result = run_cli("--no-cache", "--quiet", TRAP)
    assert result.stderr == ""
    assert result.stdout == TRAP_LINE + "\n"


def test_version_and_list_rules():
    from pvt_lint import __version__
    from pvt_lint.rules import all_rules

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout == f"pvt-lint, version {__version__}\n"
    listing = run_cli("--list-rules")
    assert listing.returncode == 0
    lines = listing.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["PVT000", "PVT001", *(r.CODE for r in all_rules())]
    assert lines[1] == ("PVT001  unused-noqa                        `# noqa` comment naming a pvt-lint code that "
                        "suppresses nothing on its line. (off by default)")
    assert lines[2].split()[1] == "global-mutated-in-child"


def test_directory_walk_skips_default_excludes_and_exclude_globs(tmp_path):
    write(tmp_path, "src/app.py", BUGGY)
    write(tmp_path, "src/.venv/lib.py", BUGGY)
    write(tmp_path, "src/build/gen.py", BUGGY)
    write(tmp_path, "src/vendored/old.py", BUGGY)
    write(tmp_path, "src/notes.txt", BUGGY)
    result = run_cli("--format", "json", "src", cwd=tmp_path)
    assert sorted({f["path"] for f in json.loads(result.stdout)}) == ["src/app.py", "src/vendored/old.py"]
    result = run_cli("--format", "json", "--extend-exclude", "vendored", "src", cwd=tmp_path)
    assert sorted({f["path"] for f in json.loads(result.stdout)}) == ["src/app.py"]
    # --exclude replaces the defaults
    result = run_cli("--format", "json", "--exclude", "vendored", "src", cwd=tmp_path)
    assert sorted({f["path"] for f in json.loads(result.stdout)}) == ["src/.venv/lib.py", "src/app.py", "src/build/gen.py"]


def test_a_path_named_explicitly_is_linted_even_if_excluded(tmp_path):
    write(tmp_path, "build/gen.py", BUGGY)
    result = run_cli("build/gen.py", cwd=tmp_path)
    assert result.returncode == 1


def test_default_path_is_the_current_directory(tmp_path):
    write(tmp_path, "a.py", BUGGY)
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("a.py:4:5: PVT101 ")


def test_directory_without_python_files(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("empty", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == (
        "pvt-lint: warning: no Python files found under the given paths\n0 findings in 0 files (0 files skipped)\n"
    )


def test_fixtures_are_kept_out_of_the_projects_own_lint():
    result = run_cli("--no-cache", "--format", "json", "pvt_lint", "tests")
    paths = {f["path"] for f in json.loads(result.stdout)}
    assert not any(p.startswith("fixtures") for p in paths)
