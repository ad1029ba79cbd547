"""Issue 18 item 8, the small ones: --format honoured or rejected everywhere (--list-rules,
--statistics, --show-files, --show-settings), --show-files and --show-settings themselves."""

from __future__ import annotations

import json
import os
import sysconfig

import pytest
from click.testing import CliRunner

from pvt_lint import cli
from pvt_lint.rules import all_rules

from helpers import BUGGY, run_cli


def invoke(*args, cwd):
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


def test_list_rules_as_json(tmp_path):
    code, stdout, stderr = invoke("--list-rules", "--format", "json", cwd=tmp_path)
    assert (code, stderr) == (0, "")
    rows = json.loads(stdout)
    assert [row["code"] for row in rows] == ["PVT000", "PVT001", *(rule.CODE for rule in all_rules())]
    assert [row["code"] for row in rows if not row["default"]] == ["PVT001"]


def test_statistics_as_json(tmp_path):
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "b.py").write_text(BUGGY)
    code, stdout, _ = invoke("--statistics", "--format", "json", ".", cwd=tmp_path)
    assert (code, json.loads(stdout)) == (1, [{"code": "PVT101", "name": "global-mutated-in-child", "count": 2}])


@pytest.mark.parametrize("option", ["--list-rules", "--statistics", "--show-files", "--show-settings"])
@pytest.mark.parametrize("output_format", ["github", "sarif", "gitlab"])
def test_formats_without_a_form_are_rejected_not_ignored(tmp_path, option, output_format):
    (tmp_path / "a.py").write_text(BUGGY)
    assert invoke(option, "--format", output_format, ".", cwd=tmp_path) == (
        2, "", f"pvt-lint: error: {option} supports --format text or json, not {output_format}\n"
    )


def test_show_files_lists_what_a_run_would_lint(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("")
    (tmp_path / "a.py").write_text(BUGGY)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "gen.py").write_text("")
    assert invoke("--show-files", ".", cwd=tmp_path) == (0, "a.py\npkg/m.py\n", "")
    assert invoke("--show-files", "--format", "json", ".", cwd=tmp_path)[:2] == (0, '[\n  "a.py",\n  "pkg/m.py"\n]\n')


def test_show_settings_shows_the_config_after_the_options(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pvt-lint]\nselect = ["PVT1"]\n')
    code, stdout, _ = invoke("--show-settings", "--format", "json", "--ignore", "PVT102", cwd=tmp_path)
    settings = json.loads(stdout)
    assert (code, settings["select"], settings["ignore"]) == (0, ["PVT1"], ["PVT102"])
    assert settings["source"] == str(tmp_path / "pyproject.toml")
    code, stdout, _ = invoke("--show-settings", cwd=tmp_path)
    assert "select = ('PVT1',)\n" in stdout


@pytest.mark.slow
def test_real_cli_rejects_a_format_list_rules_cannot_honour(tmp_path):
    result = run_cli("--list-rules", "--format", "sarif", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "pvt-lint: error: --list-rules supports --format text or json, not sarif\n"
    )


# ---- --color auto|always|never, NO_COLOR ----------------------------------------------------------------
BOLD_RED_CODE = "\x1b[31m\x1b[1mPVT101\x1b[0m"


def run_on_a_terminal(*args, cwd, env_extra):
    """The real CLI with its stdout on a pseudo-terminal: what a user at a terminal sees."""
    import pty
    import subprocess
    import sys

    from helpers import ROOT

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(env_extra, PYTHONPATH=str(ROOT))
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "pvt_lint", "--no-cache", *args], cwd=cwd, env=env,
                              stdout=follower, stderr=subprocess.PIPE, timeout=120)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    return done.returncode, b"".join(chunks).decode()


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, env, colored",
    [
        ((), {}, True),
        ((), {"NO_COLOR": "1"}, False),
        (("--color", "never"), {}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
    ],
)
def test_real_cli_colours_a_terminal_unless_told_not_to(tmp_path, args, env, colored):
    (tmp_path / "a.py").write_text(BUGGY)
    code, shown = run_on_a_terminal(*args, "a.py", cwd=tmp_path, env_extra=env)
    assert code == 1
    assert (BOLD_RED_CODE in shown) is colored
    assert ("\x1b[" in shown) is colored


def test_color_always_in_a_pipe_and_never_by_default_in_one(tmp_path):
    (tmp_path / "a.py").write_text(BUGGY)
    assert BOLD_RED_CODE in invoke("--color", "always", "a.py", cwd=tmp_path)[1]
    assert "\x1b[" not in invoke("a.py", cwd=tmp_path)[1]


# ---- --show-source (flake8's): each finding's line and a caret under its column ----------------------
TABBED = ('import multiprocessing\ndata = []\ndef worker():\n\tif 1: data.append(1)\n'
          'if __name__ == "__main__":\n    multiprocessing.Process(target=worker).start()\n')
TABBED_REPORT = ("a.py:4:8: PVT101 global `data` is changed by `.append()` in child process target `worker` "
                 "(started at line 6); the parent never sees the change\n"
                 "\tif 1: data.append(1)\n"
                 "\t      ^\n")


@pytest.mark.slow
def test_real_cli_show_source_prints_what_flake8_prints(tmp_path):
    import subprocess
    import sys

    (tmp_path / "a.py").write_text(TABBED)
    result = run_cli("--no-cache", "--show-source", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, TABBED_REPORT)
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "PVT", "--show-source", "a.py"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert flake8.stdout == result.stdout


def test_show_source_from_the_config_and_stdin_and_off_again(tmp_path):
    (tmp_path / "a.py").write_text(TABBED)
    first_line = TABBED_REPORT.splitlines(keepends=True)[0]
    assert invoke("a.py", cwd=tmp_path)[:2] == (1, first_line)  # off by default
    (tmp_path / "pyproject.toml").write_text("[tool.pvt-lint]\nshow-source = true\n")
    assert invoke("a.py", cwd=tmp_path)[:2] == (1, TABBED_REPORT)
    assert invoke("--no-show-source", "a.py", cwd=tmp_path)[:2] == (1, first_line)
    runner = CliRunner()
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(cli.main, ["--no-cache", "--show-source", "--stdin-filename", "a.py", "-"], input=TABBED)
    finally:
        os.chdir(old)
    assert (result.exit_code, result.stdout) == (1, TABBED_REPORT)
    # The config's show-source applies to the text report only; JSON is the same with or without it.
    assert json.loads(invoke("--format", "json", "a.py", cwd=tmp_path)[1])[0]["line"] == 4


def test_show_source_rejects_other_formats_and_config_wants_a_boolean(tmp_path):
    (tmp_path / "a.py").write_text(TABBED)
    assert invoke("--show-source", "--format", "sarif", "a.py", cwd=tmp_path) == (
        2, "", "pvt-lint: error: --show-source supports --format text, not sarif\n")
    (tmp_path / "pyproject.toml").write_text('[tool.pvt-lint]\nshow-source = "yes"\n')
    assert invoke("a.py", cwd=tmp_path) == (
        2, "", f"pvt-lint: error: {tmp_path / 'pyproject.toml'}: 'show-source' must be true or false\n")


@pytest.mark.slow
def test_the_folder_run_in_shadows_no_module_and_the_standard_librarys_own_folder_works(tmp_path):
    # `python -m pvt_lint` in a folder whose string.py would break any import of string: not imported.
    (tmp_path / "string.py").write_text("raise SystemExit('the linted folder was imported')\n", encoding="utf-8")
    (tmp_path / "m.py").write_text("import string\n", encoding="utf-8")
    result = run_cli("--no-cache", "m.py", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "0 findings in 1 file (0 files skipped)\n")
    # Run from the standard library's own folder, whose path is also the stdlib's entry on sys.path.
    stdlib = sysconfig.get_paths()["stdlib"]
    result = run_cli("--version", cwd=stdlib)
    assert (result.returncode, result.stdout.split(",")[0]) == (0, "pvt-lint"), result.stderr
