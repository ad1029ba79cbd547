"""Issue 18 item 2: what used to pass silently (a typo in a code, broken TOML, an unusable cache
directory, an unreadable file named on the command line) is said, in one line, as ruff says it.

The option and configuration logic runs in-process with click's runner (fast); one real subprocess per
behaviour pins the exit code and the exact stderr of the real command.
"""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from pvt_lint import cli

from helpers import BUGGY, run_cli


def invoke(*args, cwd):
    """The click command in-process, in ``cwd``: (exit code, stdout, stderr)."""
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 always keeps stderr apart
        runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli.main, ["--no-cache", *args])
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def write_project(tmp_path, table: str | None = None, raw: str | None = None):
    if raw is not None:
        (tmp_path / "pyproject.toml").write_text(raw)
    elif table is not None:
        (tmp_path / "pyproject.toml").write_text(f"[tool.pvt-lint]\n{table}\n")
    (tmp_path / "a.py").write_text(BUGGY)
    return tmp_path


# ---- unknown rule selectors ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, message",
    [
        (("--select", "PVT999"), "unknown rule selector 'PVT999' in --select"),
        (("--select", "PVT9"), "unknown rule selector 'PVT9' in --select"),
        (("--select", "PVT1,PVT5"), "unknown rule selector 'PVT5' in --select"),
        (("--extend-select", "PVT99"), "unknown rule selector 'PVT99' in --extend-select"),
        (("--ignore", "PVT109"), "unknown rule selector 'PVT109' in --ignore"),
    ],
)
def test_unknown_selector_on_the_command_line_is_a_usage_error(tmp_path, args, message):
    write_project(tmp_path)
    assert invoke(*args, "a.py", cwd=tmp_path) == (2, "", f"pvt-lint: error: {message}\n")


@pytest.mark.parametrize(
    "table, key, bad",
    [
        ('select = ["PVT9"]', "select' or 'extend-select", "PVT9"),
        ('extend-select = ["PVT9"]', "select' or 'extend-select", "PVT9"),
        ('ignore = ["PVT1", "PVT199"]', "ignore' or 'extend-ignore", "PVT199"),
        ('extend-ignore = ["PVT199"]', "ignore' or 'extend-ignore", "PVT199"),
        ('[tool.pvt-lint.per-file-ignores]\n"a.py" = ["PVT7"]', "per-file-ignores.a.py", "PVT7"),
    ],
)
def test_unknown_selector_in_the_config_is_an_error_that_names_the_file(tmp_path, table, key, bad):
    write_project(tmp_path, table)
    expected = f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: unknown rule selector {bad!r} in {key!r}\n"
    assert invoke("a.py", cwd=tmp_path) == (2, "", expected)


@pytest.mark.parametrize("selector", ["PVT", "PVT0", "PVT000", "PVT1", "PVT10", "PVT101", "ALL"])
def test_known_codes_and_prefixes_are_accepted(tmp_path, selector):
    write_project(tmp_path)
    code, _, stderr = invoke("--select", selector, "--ignore", "PVT2", "a.py", cwd=tmp_path)
    assert "error" not in stderr
    assert code in (0, 1)


# ---- broken TOML in the project's own pyproject.toml -----------------------------------------------
def test_broken_pyproject_found_by_discovery_is_an_error_not_the_defaults(tmp_path):
    write_project(tmp_path, raw="[tool.pvt-lint\nselect = ['PVT2']\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "b.py").write_text(BUGGY)
    code, stdout, stderr = invoke("src", cwd=tmp_path)
    assert (code, stdout) == (2, "")
    assert stderr.startswith(f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: invalid TOML: ")
    assert stderr.count("\n") == 1


# ---- the real command: exit codes and stderr --------------------------------------------------------
@pytest.mark.slow
def test_real_cli_unknown_selector_exits_2(tmp_path):
    write_project(tmp_path)
    result = run_cli("--no-cache", "--select", "PVT999", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "pvt-lint: error: unknown rule selector 'PVT999' in --select\n"
    )


@pytest.mark.slow
def test_real_cli_broken_pyproject_exits_2(tmp_path):
    write_project(tmp_path, raw="[tool.pvt-lint\n")
    result = run_cli("--no-cache", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: invalid TOML: ")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_real_cli_unusable_cache_dir_warns_then_lints_without_it(tmp_path):
    write_project(tmp_path)
    (tmp_path / "plain-file").write_text("")
    result = run_cli("--cache-dir", "plain-file/cache", "a.py", cwd=tmp_path)
    assert result.returncode == 1  # the finding in a.py: the run went on without the cache
    assert result.stdout.startswith("a.py:4:5: PVT101 ")
    assert result.stderr == (
        "pvt-lint: warning: cannot use the cache directory plain-file/cache: Not a directory; "
        "running without the cache\n"
        "1 finding in 1 file (0 files skipped)\n"
    )


@pytest.mark.slow
def test_real_cli_unreadable_file_named_explicitly_exits_2(tmp_path):
    write_project(tmp_path)
    os.symlink("loop2.py", tmp_path / "loop1.py")
    os.symlink("loop1.py", tmp_path / "loop2.py")
    result = run_cli("--no-cache", "loop1.py", "a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("a.py:4:5: PVT101 ")  # the other files are still linted
    assert result.stderr == (
        "pvt-lint: error: loop1.py: cannot read: Too many levels of symbolic links\n"
        "1 finding in 1 file (0 files skipped)\n"
    )


# ---- issue 18 item 6: config strictness like ruff's ----------------------------------------------------
@pytest.mark.parametrize(
    "table, message",
    [
        ('select = "PVT1"', "'select' must be a list of strings"),
        ('extend-exclude = "gen"', "'extend-exclude' must be a list of strings"),
        ("select = [1]", "'select' must be a list of strings"),
    ],
)
def test_wrong_types_are_errors(tmp_path, table, message):
    write_project(tmp_path, table)
    assert invoke("a.py", cwd=tmp_path) == (2, "", f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: {message}\n")


@pytest.mark.parametrize("name", ["pvt_lint", "PVT-LINT", "pvtlint"])
def test_a_misspelt_table_name_is_an_error_that_says_the_right_one(tmp_path, name):
    write_project(tmp_path, raw=f'[tool.{name}]\nselect = ["PVT2"]\n')
    expected = (f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: [tool.{name}] is not read; "
                "did you mean [tool.pvt-lint]?\n")
    assert invoke("a.py", cwd=tmp_path) == (2, "", expected)


def test_per_file_ignores_pattern_without_a_slash_matches_at_any_depth(tmp_path):
    write_project(tmp_path, '[tool.pvt-lint.per-file-ignores]\n"worker.py" = ["PVT101"]')
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "worker.py").write_text(BUGGY)
    assert invoke("--format", "json", "pkg", cwd=tmp_path)[:2] == (0, "[]\n")


@pytest.mark.parametrize("args", [("--select", "pvt1"), ("--ignore", "pvt2"), ("--extend-select", "all")])
def test_codes_are_case_insensitive_on_the_command_line(tmp_path, args):
    write_project(tmp_path)
    code, stdout, stderr = invoke("--format", "json", *args, "a.py", cwd=tmp_path)
    assert (code, stderr) == (1, "0 findings in 1 file (0 files skipped)\n".replace("0 findings", "1 finding"))
    assert '"PVT101"' in stdout


def test_codes_are_case_insensitive_in_the_config(tmp_path):
    write_project(tmp_path, 'select = ["pvt1"]')
    assert invoke("--format", "json", "a.py", cwd=tmp_path)[0] == 1


@pytest.mark.slow
def test_real_cli_misspelt_table_exits_2(tmp_path):
    write_project(tmp_path, raw='[tool.pvt_lint]\nselect = ["PVT2"]\n')
    result = run_cli("--no-cache", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.endswith("did you mean [tool.pvt-lint]?\n")


# ---- issue 18 item 8: without [tool.pvt-lint], the cache lands at the project root ----------------------
@pytest.mark.slow
def test_real_cli_puts_the_cache_at_the_project_root_without_a_config_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(BUGGY)
    result = run_cli("a.py", cwd=tmp_path / "src")
    assert result.returncode == 1, result.stderr
    assert (tmp_path / ".pvt_lint_cache").is_dir()
    assert not (tmp_path / "src" / ".pvt_lint_cache").exists()
