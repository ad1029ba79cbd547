"""Issue 18 item 4: standard input (``pvt-lint -`` and ``--stdin-filename NAME``), as editors and
formatter pipelines use it; NAME is what the configuration, per-file-ignores and the report see.
The flake8 plugin's own stdin path (``flake8 -``) keeps working."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pvt_lint import cli

from helpers import BUGGY, run_cli

MESSAGE = ("global `data` is changed by `.append()` in child process target `worker` (started at line 6); "
           "the parent never sees the change")


def invoke(*args, cwd, stdin: str):
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 always keeps stderr apart
        runner = CliRunner()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(cli.main, ["--no-cache", *args], input=stdin)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def paths_and_codes(stdout: str):
    return [(f["path"], f["code"]) for f in json.loads(stdout)]


def test_stdin_filename_names_the_source_in_the_report(tmp_path):
    code, stdout, _ = invoke("--format", "json", "--stdin-filename", "pkg/mod.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert (code, paths_and_codes(stdout)) == (1, [("pkg/mod.py", "PVT101")])


def test_stdin_filename_alone_reads_stdin(tmp_path):
    code, stdout, _ = invoke("--format", "json", "--stdin-filename", "mod.py", cwd=tmp_path, stdin=BUGGY)
    assert (code, paths_and_codes(stdout)) == (1, [("mod.py", "PVT101")])


def test_per_file_ignores_and_config_match_the_stdin_filename(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pvt-lint.per-file-ignores]\n"generated/*" = ["PVT1"]\n')
    (tmp_path / "generated").mkdir()
    ignored = invoke("--format", "json", "--stdin-filename", "generated/x.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert ignored[:2] == (0, "[]\n")
    kept = invoke("--format", "json", "--stdin-filename", "src/x.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert paths_and_codes(kept[1]) == [("src/x.py", "PVT101")]


def test_force_exclude_applies_to_the_stdin_filename(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.pvt-lint]\nforce-exclude = true\nextend-exclude = ["vendor"]\n')
    code, stdout, stderr = invoke("--format", "json", "--stdin-filename", "vendor/x.py", "-", cwd=tmp_path, stdin=BUGGY)
    assert (code, stdout, stderr) == (0, "[]\n", "0 findings in 0 files (0 files skipped)\n")


def test_dash_with_other_paths_is_a_usage_error(tmp_path):
    (tmp_path / "a.py").write_text("")
    assert invoke("-", "a.py", cwd=tmp_path, stdin="") == (
        2, "", "pvt-lint: error: '-' (standard input) cannot be mixed with other paths\n"
    )


@pytest.mark.slow
def test_real_cli_reads_a_pipe(tmp_path):
    result = run_cli("-", cwd=tmp_path, input=BUGGY)
    assert (result.returncode, result.stdout) == (1, f"-:4:5: PVT101 {MESSAGE}\n")
    result = run_cli("--stdin-filename", "src/worker.py", "-", cwd=tmp_path, input=BUGGY)
    assert (result.returncode, result.stdout) == (1, f"src/worker.py:4:5: PVT101 {MESSAGE}\n")
    assert result.stderr == "1 finding in 1 file (0 files skipped)\n"


@pytest.mark.slow
def test_real_flake8_stdin_still_works(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "PVT", "--stdin-display-name", "w.py", "-"],
        cwd=tmp_path, input=BUGGY, capture_output=True, text=True, timeout=300,
    )
    assert (result.returncode, result.stdout) == (1, f"w.py:4:5: PVT101 {MESSAGE}\n")
