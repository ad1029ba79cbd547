"""Bad input never crashes and loses nothing: each case is a finding or a one-line message."""

import json
import os

import pytest

from pvt_lint.engine import lint_source

from helpers import BUGGY, run_cli


def lint_dir(tmp_path, *extra):
    result = run_cli("--format", "json", *extra, ".", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result, sorted((f["path"], f["line"], f["column"], f["code"]) for f in json.loads(result.stdout))


@pytest.mark.slow
def test_syntax_error_is_pvt000_at_the_error_and_other_files_still_report(tmp_path):
    (tmp_path / "bad.py").write_text("import threading\ndef f(:\n    pass\n")
    (tmp_path / "good.py").write_text(BUGGY)
    result, found = lint_dir(tmp_path)
    assert found == [("bad.py", 2, 7, "PVT000"), ("good.py", 4, 5, "PVT101")]
    assert result.returncode == 1
    message = [f["message"] for f in json.loads(result.stdout) if f["code"] == "PVT000"]
    assert message == ["cannot parse: invalid syntax"]


@pytest.mark.slow
def test_syntax_error_in_a_file_without_concurrency_is_still_reported(tmp_path):
    (tmp_path / "plain.py").write_text("x = (1,\n")
    _, found = lint_dir(tmp_path)
    assert found == [("plain.py", 1, 5, "PVT000")]


@pytest.mark.slow
def test_undecodable_bytes(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"import threading\nname = '\xe9t\xe9'\n")
    (tmp_path / "good.py").write_text(BUGGY)
    result, found = lint_dir(tmp_path)
    assert found == [("good.py", 4, 5, "PVT101"), ("latin.py", 2, 9, "PVT000")]
    message = [f["message"] for f in json.loads(result.stdout) if f["code"] == "PVT000"]
    assert message == ["cannot parse: cannot decode the file as utf-8: invalid continuation byte"]


@pytest.mark.slow
def test_declared_latin1_file_is_decoded_and_linted(tmp_path):
    source = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + BUGGY
    (tmp_path / "declared.py").write_bytes(source.encode("latin-1"))
    _, found = lint_dir(tmp_path)
    assert found == [("declared.py", 6, 5, "PVT101")]


@pytest.mark.slow
def test_unknown_coding_cookie(tmp_path):
    (tmp_path / "odd.py").write_bytes(b"# -*- coding: klingon -*-\nimport threading\n")
    _, found = lint_dir(tmp_path)
    assert found == [("odd.py", 1, 1, "PVT000")]


@pytest.mark.slow
def test_bom_and_crlf(tmp_path):
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + BUGGY.encode())
    (tmp_path / "crlf.py").write_bytes(BUGGY.replace("\n", "\r\n").encode())
    _, found = lint_dir(tmp_path)
    assert found == [("bom.py", 4, 5, "PVT101"), ("crlf.py", 4, 5, "PVT101")]


@pytest.mark.slow
def test_empty_file(tmp_path):
    (tmp_path / "empty.py").write_bytes(b"")
    result, found = lint_dir(tmp_path)
    assert found == []
    assert result.returncode == 0
    assert result.stderr == "0 findings in 1 file (0 files skipped)\n"


@pytest.mark.slow
def test_nul_byte(tmp_path):
    (tmp_path / "nul.py").write_bytes(b"import threading\nx = 1\x00\n")
    _, found = lint_dir(tmp_path)
    assert found == [("nul.py", 2, 6, "PVT000")]


@pytest.mark.slow
def test_deeply_nested_brackets_are_cpythons_syntax_error_not_a_crash(tmp_path):
    (tmp_path / "deep.py").write_text("import threading\nx = " + "(" * 2000 + "1" + ")" * 2000 + "\n")
    (tmp_path / "good.py").write_text(BUGGY)
    result, found = lint_dir(tmp_path)
    assert found == [("deep.py", 2, 205, "PVT000"), ("good.py", 4, 5, "PVT101")]
    assert "too many nested parentheses" in result.stdout


def test_long_if_elif_chain_is_analysed(tmp_path):
    chain = "".join(f"    elif n == {i}:\n        data.append({i})\n" for i in range(1, 600))
    source = (
        "import multiprocessing\ndata = []\ndef worker(n):\n    if n == 0:\n        data.append(0)\n"
        + chain
        + "multiprocessing.Process(target=worker)\n"
    )
    findings = lint_source(source)
    assert len(findings) == 600
    assert {f.code for f in findings} == {"PVT101"}


@pytest.mark.slow
def test_large_file_is_linted(tmp_path):
    filler = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(5000))
    (tmp_path / "large.py").write_text(BUGGY + filler)
    _, found = lint_dir(tmp_path)
    assert found == [("large.py", 4, 5, "PVT101")]


@pytest.mark.slow
def test_file_over_the_size_limit_is_skipped_with_a_message(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.pvt-lint]\nmax-file-size = 100\n")
    (tmp_path / "big.py").write_text(BUGGY + "#" * 200 + "\n")
    result, found = lint_dir(tmp_path)
    assert found == []
    size = (tmp_path / "big.py").stat().st_size
    assert result.stderr == (
        f"pvt-lint: warning: big.py: larger than max-file-size ({size} > 100 bytes)\n"
        "0 findings in 1 file (1 file skipped)\n"
    )


@pytest.mark.slow
def test_unreadable_path_given_explicitly(tmp_path):
    os.symlink(tmp_path / "missing-target.py", tmp_path / "dangling.py")
    (tmp_path / "good.py").write_text(BUGGY)
    result = run_cli("dangling.py", "good.py", cwd=tmp_path)
    # Naming a file asks for it to be linted: not reading it is an error of the run (issue 18).
    assert result.returncode == 2
    assert result.stderr == (
        "pvt-lint: error: dangling.py: cannot read: No such file or directory\n"
        "1 finding in 1 file (0 files skipped)\n"
    )
