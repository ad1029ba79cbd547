"""--add-noqa (ruff's): a ``# noqa: CODE`` on the line of every finding, merged into the comments already
there, never on a line that cannot hold one, never damaging a file; and a run afterwards finds nothing."""

from __future__ import annotations

import pytest

from pvt_lint.suppress import with_noqa

from helpers import run_cli

SOURCE = (
    "a = 1\n"
    "b = 2  # noqa: E501\n"
    "c = 3  # type: ignore\n"
    'd = """x\n'
    'y"""\n'
    "e = 1 + \\\n"
    "  2\n"
    "f = 1  # noqa\n"
    "g = 2  # NOQA:pvt1\r\n"
    "h = 3   \r\n"
)


def test_with_noqa_appends_merges_and_refuses_exactly():
    wanted = {1: {"PVT101"}, 2: {"PVT201"}, 3: {"PVT102"}, 4: {"PVT101"}, 5: {"PVT203"}, 6: {"PVT101"},
              8: {"PVT101"}, 9: {"PVT101", "PVT301"}, 10: {"PVT202", "PVT201"}}
    text, changed, refused = with_noqa(SOURCE, wanted)
    assert text == (
        "a = 1  # noqa: PVT101\n"
        "b = 2  # noqa: E501, PVT201\n"
        "c = 3  # type: ignore  # noqa: PVT102\n"
        'd = """x\n'  # ends inside the string: refused
        'y"""  # noqa: PVT203\n'
        "e = 1 + \\\n"  # continued with a backslash: refused
        "  2\n"
        "f = 1  # noqa\n"  # a bare noqa covers every code already
        "g = 2  # NOQA:PVT1, PVT301\r\n"  # PVT101 is covered by PVT1; the line ending is kept
        "h = 3  # noqa: PVT201, PVT202\r\n"
    )
    assert (changed, refused) == (6, [4, 6])
    assert with_noqa(text, wanted) == (text, 0, [4, 6])  # a second run changes nothing
    compile(text, "edited.py", "exec")


def test_with_noqa_leaves_text_that_does_not_tokenize():
    assert with_noqa("x = (\n", {1: {"PVT101"}}) == ("x = (\n", 0, [1])


BUGGY = """import multiprocessing
import threading
data = []
count = 0


def worker():
    data.append(1)  # keep this comment


def bump():
    global count
    count += 1  # noqa: E501


def report():
    print(\"\"\"totals:
    {}\"\"\".format(count), data.append(2))


if __name__ == "__main__":
    multiprocessing.Process(target=worker).start()
    multiprocessing.Process(target=report).start()
    for _ in range(2):
        threading.Thread(target=bump).start()
"""


@pytest.mark.slow
def test_the_real_cli_adds_the_comments_and_the_next_run_is_clean(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"\xef\xbb\xbf" + BUGGY.replace("\n", "\r\n").encode("utf-8"))
    (tmp_path / "broken.py").write_text("def f(:\n")
    before = run_cli("--no-cache", "--format", "json", "a.py", cwd=tmp_path)
    assert before.returncode == 1
    result = run_cli("--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "Added 3 noqa directives.\n"
    expected = (BUGGY.replace("data.append(1)  # keep this comment", "data.append(1)  # keep this comment  # noqa: PVT101")
                .replace("count += 1  # noqa: E501", "count += 1  # noqa: E501, PVT201")
                .replace("data.append(2))\n", "data.append(2))  # noqa: PVT101, PVT105\n"))  # the string's last line
    assert path.read_bytes() == b"\xef\xbb\xbf" + expected.replace("\n", "\r\n").encode("utf-8")
    assert (tmp_path / "broken.py").read_text() == "def f(:\n"  # PVT000 is no line a comment can silence
    again = run_cli("--no-cache", "--add-noqa", "a.py", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "Added 0 noqa directives.\n")
    after = run_cli("--no-cache", "a.py", cwd=tmp_path)
    assert (after.returncode, after.stdout) == (0, "")


@pytest.mark.slow
def test_a_line_that_cannot_hold_a_comment_is_named_and_left_alone(tmp_path):
    source = ('import multiprocessing\ndata = []\n\n\ndef worker():\n    data.append(len("""a\n    b"""))\n\n\n'
              'if __name__ == "__main__":\n    multiprocessing.Process(target=worker).start()\n')
    (tmp_path / "a.py").write_text(source)
    result = run_cli("--no-cache", "--add-noqa", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, (
        "pvt-lint: warning: a.py: no comment can end line 6 (inside a string or a continued line): add it by hand\n"
        "Added 0 noqa directives.\n"))
    assert (tmp_path / "a.py").read_text() == source


@pytest.mark.slow
@pytest.mark.parametrize(("args", "message"), [
    (["--add-noqa", "--format", "json", "."], "--add-noqa supports --format text, not json"),
    (["--add-noqa", "-"], "--add-noqa edits files: it cannot be used with standard input"),
])
def test_add_noqa_usage_errors(tmp_path, args, message):
    result = run_cli("--no-cache", *args, cwd=tmp_path, input="x = 1\n")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"pvt-lint: error: {message}\n")
