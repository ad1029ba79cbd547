"""Hostile input through the real CLI: every case ends in a finding, a one-line message on stderr or
a skip the summary counts; never a traceback, never a hang (each run has a timeout).

tests/test_bad_input.py has the first cases (syntax errors, undecodable bytes, a latin-1 cookie,
BOM and CRLF, a NUL byte, 2,000 nested brackets, max-file-size); these extend them.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import BUGGY, ROOT, run_cli
from pvt_lint.nesting import MAX_EXPRESSION_DEPTH

pytestmark = pytest.mark.slow

GOOD_FINDING = ("good.py", 4, 5, "PVT101")
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def lint(cwd: Path, *args: str, timeout: float = 300):
    """(result, sorted (path, line, column, code), stderr lines); no traceback, exit 0 or 1."""
    result = run_cli("--format", "json", "--no-cache", *(args or (".",)), cwd=cwd, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    found = sorted((f["path"], f["line"], f["column"], f["code"]) for f in json.loads(result.stdout))
    return result, found, result.stderr.splitlines()


def messages(result, code: str) -> list[str]:
    return [f["message"] for f in json.loads(result.stdout) if f["code"] == code]


def worker_with(expression: str) -> str:
    """BUGGY with ``expression`` inside the process target, before the line that mutates the global."""
    return BUGGY.replace("def worker():\n", f"def worker():\n    x = {expression}\n")


# ---- deep structures ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "expression",
    [
        pytest.param("f" + "()" * 1000, id="1000-chained-calls"),
        pytest.param("(" + " ".join(['"s"'] * 1000) + ")", id="1000-concatenated-strings"),
        pytest.param(" + ".join(["a"] * MAX_EXPRESSION_DEPTH), id="binary-chain-at-the-limit"),
    ],
)
def test_deep_valid_code_is_analysed_with_the_findings_inside_it(tmp_path, expression):
    (tmp_path / "deep.py").write_text(worker_with(expression))
    _, found, stderr = lint(tmp_path)
    assert found == [("deep.py", 5, 5, "PVT101")]
    assert stderr == ["1 finding in 1 file (0 files skipped)"]


def test_500_branch_elif_chain_in_a_process_target_is_analysed(tmp_path):
    chain = "".join(f"    elif n == {i}:\n        data.append({i})\n" for i in range(1, 500))
    (tmp_path / "elif.py").write_text(
        "import multiprocessing\ndata = []\ndef worker(n):\n    if n == 0:\n        data.append(0)\n"
        + chain + "multiprocessing.Process(target=worker)\n"
    )
    result, found, _ = lint(tmp_path)
    assert len(found) == 500 and {f[3] for f in found} == {"PVT101"}
    assert found[-1] == ("elif.py", 1003, 9, "PVT101")


def test_an_expression_too_deep_for_libcst_is_not_analysed_and_says_why(tmp_path):
    # libcst's parser takes minutes on this and crashes the process on ten times more.
    (tmp_path / "chain.py").write_text(worker_with(" + ".join(["a"] * 10_000)))
    (tmp_path / "good.py").write_text(BUGGY)
    result, found, stderr = lint(tmp_path)
    assert found == [GOOD_FINDING]
    assert stderr == [
        f"pvt-lint: warning: chain.py: not analysed: an expression nests 10000 levels deep, more than the"
        f" {MAX_EXPRESSION_DEPTH} the libcst parser handles in reasonable time",
        "1 finding in 2 files (1 file skipped)",
    ]


def test_one_level_past_the_limit_is_not_analysed(tmp_path):
    (tmp_path / "deep.py").write_text(worker_with(" + ".join(["a"] * (MAX_EXPRESSION_DEPTH + 1))))
    _, found, stderr = lint(tmp_path)
    assert found == []
    assert f"nests {MAX_EXPRESSION_DEPTH + 1} levels deep" in stderr[0]


def test_a_million_term_expression_after_another_file_is_cpythons_error_not_a_crash(tmp_path):
    # good.py starts the deep-stack thread, which raises the interpreter-wide recursion limit; CPython's
    # own parser then ran on the main thread's 8 MiB stack and the run died with SIGSEGV.
    (tmp_path / "good.py").write_text(BUGGY)
    (tmp_path / "huge.py").write_text("import threading\nx = " + " + ".join(["a"] * 1_000_000) + "\n")
    result, found, stderr = lint(tmp_path)
    assert result.returncode == 1
    assert found == [GOOD_FINDING, ("huge.py", 1, 1, "PVT000")]
    assert messages(result, "PVT000") == ["cannot parse: maximum recursion depth exceeded during ast construction"]


def test_a_huge_statement_in_code_cpython_rejects_never_reaches_libcst(tmp_path):
    # No CPython tree to measure (type X is 3.12 syntax): libcst's parser ran for minutes on this.
    (tmp_path / "newer.py").write_text("import threading\ntype X = int\nx = " + " + ".join(["a"] * 100_000) + "\n")
    (tmp_path / "good.py").write_text(BUGGY)
    result, found, stderr = lint(tmp_path, timeout=120)
    with pytest.raises(SyntaxError) as cpython:
        compile((tmp_path / "newer.py").read_text(), "newer.py", "exec")
    assert found == [GOOD_FINDING, ("newer.py", 2, cpython.value.offset, "PVT000")]
    assert messages(result, "PVT000") == [
        f"cannot parse: {cpython.value.msg} (`type X = ...` statements need Python 3.12 and this interpreter is"
        f" {sys.version_info.major}.{sys.version_info.minor}: run pvt-lint on Python 3.12 or newer)"
    ]


def test_the_interpreters_pydoc_topics_is_analysed(tmp_path):
    topics = STDLIB / "pydoc_data" / "topics.py"
    if not topics.is_file():
        pytest.skip("this interpreter ships no pydoc_data/topics.py")
    # A copy, alone: named where it lies, the file's project is the whole of Lib/ (hundreds of modules).
    shutil.copyfile(topics, tmp_path / "topics.py")
    result, found, stderr = lint(tmp_path, "topics.py")
    assert (found, stderr, result.returncode) == ([], ["0 findings in 1 file (0 files skipped)"], 0)


# ---- size ---------------------------------------------------------------------------------
def test_a_file_of_tens_of_megabytes_is_skipped_unread(tmp_path):
    line = "x = 1  # " + "#" * 90 + "\n"
    with open(tmp_path / "huge.py", "w") as handle:
        for _ in range(310):
            handle.write(line * 1000)
    (tmp_path / "good.py").write_text(BUGGY)
    size = (tmp_path / "huge.py").stat().st_size
    assert size > 30_000_000
    # Run in a child that reports its own children's peak memory: the file is never read into memory.
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run([sys.executable, '-m', 'pvt_lint', '--no-cache', '.'], check=False)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, env=env)
    *stderr, peak_kib = result.stderr.splitlines()
    assert stderr == [
        f"pvt-lint: warning: huge.py: larger than max-file-size ({size} > 10485760 bytes)",
        "1 finding in 2 files (1 file skipped)",
    ]
    assert int(peak_kib) < 200_000


def test_a_single_one_megabyte_line(tmp_path):
    (tmp_path / "long_string.py").write_text(worker_with('"' + "s" * 1_000_000 + '"'))
    (tmp_path / "long_comment.py").write_text(BUGGY.replace("data = []", "data = []  # " + "c" * 1_000_000))
    _, found, stderr = lint(tmp_path)
    assert found == [("long_comment.py", 4, 5, "PVT101"), ("long_string.py", 5, 5, "PVT101")]
    assert stderr == ["2 findings in 2 files (0 files skipped)"]


# ---- bytes and encodings ------------------------------------------------------------------
def test_lone_cr_line_endings(tmp_path):
    (tmp_path / "cr.py").write_bytes(BUGGY.replace("\n", "\r").encode())
    (tmp_path / "mixed.py").write_bytes(BUGGY.replace("\n", "\r", 2).replace("\n", "\r\n", 2).encode())
    _, found, _ = lint(tmp_path)
    assert found == [("cr.py", 4, 5, "PVT101"), ("mixed.py", 4, 5, "PVT101")]


def test_nul_byte_in_a_comment_and_after_a_bom(tmp_path):
    (tmp_path / "comment.py").write_bytes(BUGGY.encode().replace(b"data = []", b"data = []  # \0"))
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf\0" + BUGGY.encode())
    result, found, _ = lint(tmp_path)
    assert found == [("bom.py", 1, 1, "PVT000"), ("comment.py", 2, 14, "PVT000")]  # JSON columns are 1-based
    assert set(messages(result, "PVT000")) == {"cannot parse: source code cannot contain null bytes"}


def test_encoding_declarations_cpython_rejects(tmp_path):
    (tmp_path / "bom_and_latin1.py").write_bytes(b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + BUGGY.encode())
    (tmp_path / "utf16.py").write_bytes(BUGGY.encode("utf-16"))
    (tmp_path / "late_cookie.py").write_bytes(b"#!/usr/bin/env python\n\n# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    result, found, stderr = lint(tmp_path)
    assert found == [("bom_and_latin1.py", 1, 1, "PVT000"), ("late_cookie.py", 4, 6, "PVT000"),
                     ("utf16.py", 1, 1, "PVT000")]
    assert messages(result, "PVT000") == [
        "cannot parse: encoding problem: utf-8",  # tokenize's words for a BOM with another cookie
        "cannot parse: cannot decode the file as utf-8: invalid continuation byte",
        "cannot parse: invalid or missing encoding declaration",
    ]


def test_cookie_on_the_second_line_after_a_shebang(tmp_path):
    source = "#!/usr/bin/env python\n# vim: set fileencoding=latin-1 :\n# caf\xe9\n" + BUGGY
    (tmp_path / "shebang.py").write_bytes(source.encode("latin-1"))
    _, found, _ = lint(tmp_path)
    assert found == [("shebang.py", 7, 5, "PVT101")]


def test_tabs_and_spaces_cpython_rejects_are_pvt000(tmp_path):
    (tmp_path / "taberror.py").write_text("import threading\nif True:\n        x = 1\n\ty = 2\n")
    result, found, _ = lint(tmp_path)
    assert found == [("taberror.py", 4, 1, "PVT000")]
    assert messages(result, "PVT000") == ["cannot parse: inconsistent use of tabs and spaces in indentation"]


def test_tabs_and_spaces_cpython_accepts_but_libcst_rejects_are_a_parser_limitation(tmp_path):
    # A tab then four spaces is column 12 to CPython; libcst's tokenizer cannot match the dedent.
    source = BUGGY.replace("    multiprocessing", "    for _ in range(2):\n\t    multiprocessing")
    source += "    for _ in range(2):\n        pass\n"
    (tmp_path / "tabs.py").write_text(source)
    compile(source, "tabs.py", "exec")
    _, found, stderr = lint(tmp_path)
    assert found == []
    assert stderr == [
        "pvt-lint: warning: tabs.py: not analysed: the libcst parser rejects valid code"
        " (tokenizer error: no matching outer block for dedent)",
        "0 findings in 1 file (1 file skipped)",
    ]


# ---- CPython and libcst disagree ----------------------------------------------------------
@pytest.mark.parametrize("name", ["test/test_grammar.py", "test/typinganndata/ann_module.py"])
def test_stdlib_files_libcst_rejects_are_never_pvt000(tmp_path, name):
    original = STDLIB / name
    if not original.is_file():
        pytest.skip(f"this interpreter ships no {name}")
    # The tail gets the file past the prefilter and the gate, so libcst's parser really sees it.
    tail = b"\nimport threading\nthreading.Thread(target=print).start()\n"
    (tmp_path / "rejected.py").write_bytes(original.read_bytes() + tail)
    result, found, stderr = lint(tmp_path)
    assert "PVT000" not in {f[3] for f in found}
    assert len(stderr) == 2 and stderr[0].startswith(
        "pvt-lint: warning: rejected.py: not analysed: the libcst parser rejects valid code (")
    assert stderr[1].endswith("(1 file skipped)")


def test_syntax_newer_than_the_interpreter_is_analysed_and_the_rules_see_through_it(tmp_path):
    (tmp_path / "newer.py").write_text('''import multiprocessing

type Jobs = list[int]
results = []


def first[T](items: list[T]) -> T:
    return items[0]


def worker(job):
    match job:
        case {"kind": "add", "value": value}:
            results.append(value)
        case _:
            pass
    try:
        label = f"{job["kind"]}"
    except KeyError, TypeError:
        label = t"unknown {job}"
    return label


if __name__ == "__main__":
    multiprocessing.Process(target=worker, args=({"kind": "add", "value": 1},)).start()
''')
    _, found, stderr = lint(tmp_path)
    assert found == [("newer.py", 14, 13, "PVT101")]
    assert stderr == ["1 finding in 1 file (0 files skipped)"]


def test_code_both_parsers_reject_is_pvt000_with_cpythons_message(tmp_path):
    source = "import threading\ntype X[T = int\n"
    (tmp_path / "bad.py").write_text(source)
    with pytest.raises(SyntaxError) as cpython:
        compile(source, "bad.py", "exec")
    result, found, _ = lint(tmp_path)
    assert found == [("bad.py", cpython.value.lineno, cpython.value.offset, "PVT000")]
    assert messages(result, "PVT000") == [f"cannot parse: {cpython.value.msg}"]


# ---- directory walks ----------------------------------------------------------------------
def test_walk_skips_symlink_loops_and_links_out_of_the_tree(tmp_path):
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    (tree / "pkg").mkdir(parents=True)
    outside.mkdir()
    (tree / "good.py").write_text(BUGGY)
    (outside / "elsewhere.py").write_text(BUGGY)
    os.symlink("self.py", tree / "self.py")
    os.symlink("b.py", tree / "a.py")
    os.symlink("a.py", tree / "b.py")
    os.symlink("..", tree / "pkg" / "up")
    os.symlink(outside, tree / "outside_dir")
    os.symlink(outside / "elsewhere.py", tree / "outside_file.py")
    _, found, stderr = lint(tree)
    assert found == [GOOD_FINDING]
    assert stderr == ["1 finding in 1 file (0 files skipped)"]


def test_a_symlink_loop_named_on_the_command_line_is_a_one_line_error(tmp_path):
    # Issue 18: naming a file asks for it to be linted; not reading it is exit 2, not a skip.
    os.symlink("self.py", tmp_path / "self.py")
    (tmp_path / "good.py").write_text(BUGGY)
    result = run_cli("--format", "json", "--no-cache", "self.py", "good.py", cwd=tmp_path)
    assert result.returncode == 2
    assert [(f["path"], f["line"], f["column"], f["code"]) for f in json.loads(result.stdout)] == [GOOD_FINDING]
    assert result.stderr.splitlines() == [
        "pvt-lint: error: self.py: cannot read: Too many levels of symbolic links",
        "1 finding in 1 file (0 files skipped)",
    ]


def test_fifos_and_sockets_named_py_are_never_opened(tmp_path):
    os.mkfifo(tmp_path / "fifo.py")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock.py"))
        (tmp_path / "good.py").write_text(BUGGY)
        _, found, stderr = lint(tmp_path, timeout=60)
        assert (found, stderr) == ([GOOD_FINDING], ["1 finding in 1 file (0 files skipped)"])
        _, found, stderr = lint(tmp_path, "fifo.py", "sock.py", "good.py", timeout=60)
        assert found == [GOOD_FINDING]
        assert stderr == [
            "pvt-lint: warning: fifo.py: not a regular file",
            "pvt-lint: warning: sock.py: not a regular file",
            "1 finding in 3 files (2 files skipped)",
        ]
    finally:
        server.close()


def test_a_directory_named_like_a_module_is_walked_into(tmp_path):
    (tmp_path / "package.py").mkdir()
    (tmp_path / "package.py" / "inner.py").write_text(BUGGY)
    _, found, _ = lint(tmp_path)
    assert found == [("package.py/inner.py", 4, 5, "PVT101")]
    _, found, _ = lint(tmp_path, "package.py")
    assert found == [("package.py/inner.py", 4, 5, "PVT101")]


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif", "gitlab"])
def test_a_file_name_that_is_not_utf8(tmp_path, output_format):
    name = os.fsdecode(b"caf\xe9.py")
    (tmp_path / name).write_text(BUGGY)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")  # strict UTF-8 stdout, as many CI runners have
    result = subprocess.run([sys.executable, "-m", "pvt_lint", "--no-cache", "--format", output_format, "."],
                            cwd=tmp_path, capture_output=True, timeout=120, env=dict(env, PYTHONPATH=str(ROOT)))
    assert b"Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.splitlines() == [b"1 finding in 1 file (0 files skipped)"]
    shown = {"text": b"caf\\xe9.py:4:5", "json": b'"caf\\udce9.py"', "github": b"file=caf\\xe9.py",
             "sarif": b'"caf%E9.py"', "gitlab": b'"caf\\udce9.py"'}
    assert shown[output_format] in result.stdout


def test_a_file_deleted_between_listing_and_reading(tmp_path):
    (tmp_path / "gone.py").write_text(BUGGY)
    (tmp_path / "good.py").write_text(BUGGY)
    # The real CLI, with the walk's answer handed over only after gone.py is deleted.
    script = (
        "import os, sys\n"
        "import pvt_lint.runner.run as run\n"
        "walk = run.iter_python_files\n"
        "def listed_then_deleted(*args):\n"
        "    files = walk(*args)\n"
        "    os.remove('gone.py')\n"
        "    return files\n"
        "run.iter_python_files = listed_then_deleted\n"
        "from pvt_lint.cli import main\n"
        "sys.argv[0] = 'pvt-lint'\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", script, "--no-cache", "."], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "pvt-lint: warning: gone.py: cannot read: No such file or directory",
        "1 finding in 2 files (1 file skipped)",
    ]
