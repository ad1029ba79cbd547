"""--fix, --unsafe-fixes and --fix-diff (issue 20, first fixes: PVT202 on a dict or set): the edits are
exact, comments around them survive, a second --fix changes nothing, unsafe fixes wait for
--unsafe-fixes, and the text and JSON reports say what is fixable."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from pvt_lint.findings import Edit
from pvt_lint.runner.rewrite import apply_edits

from helpers import FIXTURES, run_cli

FIXTURE = FIXTURES / "PVT202" / "atomic_fixes.py"
SOURCE = FIXTURE.read_text(encoding="utf-8")

SAFE_DIFF = """--- a/a.py
+++ b/a.py
@@ -14,10 +14,9 @@
 
 
 def forget(user):
-    if user in sessions:  # expect: PVT202
-        del sessions[user]
-    if user not in sessions: sessions[user] = user  # expect: PVT202
-    if user in seen: seen.remove(user)  # expect: PVT202
+    sessions.pop(user, None)  # expect: PVT202
+    sessions.setdefault(user, user)  # expect: PVT202
+    seen.discard(user)  # expect: PVT202
 
 
 def forget_everywhere(user):
"""

AFTER_SAFE = SOURCE.replace(
    "    if user in sessions:  # expect: PVT202\n        del sessions[user]\n"
    "    if user not in sessions: sessions[user] = user  # expect: PVT202\n"
    "    if user in seen: seen.remove(user)  # expect: PVT202\n",
    "    sessions.pop(user, None)  # expect: PVT202\n    sessions.setdefault(user, user)  # expect: PVT202\n"
    "    seen.discard(user)  # expect: PVT202\n", 1)
AFTER_UNSAFE = AFTER_SAFE.replace(
    "    if user in registry:  # expect: PVT202\n        del registry[user]\n"
    "    if user not in sessions:  # expect: PVT202\n        sessions[user] = open_registry()\n",
    "    registry.pop(user, None)  # expect: PVT202\n"
    "    sessions.setdefault(user, open_registry())  # expect: PVT202\n", 1)
def noisy(first: int, threads: int) -> list[str]:
    """The two findings no fix touches (a comment inside the first, an else in the second), by line."""
    return [
        f"a.py:{first}:5: PVT202 `if user in sessions` in `forget_noisily`, which runs in threads started at "
        f"line {threads}, then changes global `sessions` at line {first + 2} with no lock held",
        f"a.py:{first + 3}:5: PVT202 `if user in seen` in `forget_noisily`, which runs in threads started at "
        f"line {threads}, then changes global `seen` at line {first + 4} with no lock held",
    ]


def copy(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "a.py")
    return tmp_path / "a.py"


def test_apply_edits_takes_whole_fixes_in_order_and_leaves_overlaps_for_the_next_pass():
    text = "abc\ndef\nghi\n"
    first, overlapping, later = (Edit(1, 1, 2, 1, "X"),), (Edit(2, 0, 2, 2, "Y"),), (Edit(3, 0, 3, 1, "Z"), Edit(1, 0, 1, 0, "<"))
    assert apply_edits(text, [later, overlapping, first]) == ("<aXef\nZhi\n", 2)
    assert apply_edits(text, [(Edit(9, 0, 9, 1, "?"),)]) == (text, 0)  # outside the text


@pytest.mark.slow
def test_fix_diff_shows_the_safe_fixes_and_writes_nothing(tmp_path):
    path = copy(tmp_path)
    result = run_cli("--no-cache", "--fix-diff", "a.py", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (1, SAFE_DIFF, "Would fix 3 findings.\n")
    assert path.read_text(encoding="utf-8") == SOURCE


@pytest.mark.slow
def test_fix_applies_the_safe_fixes_reports_the_rest_and_a_second_run_changes_nothing(tmp_path):
    path = copy(tmp_path)
    result = run_cli("--no-cache", "--fix", "a.py", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == AFTER_SAFE
    unsafe_left = [
        "a.py:23:5: PVT202 `if user in registry` in `forget_everywhere`, which runs in threads started at line 41, "
        "then changes global `registry` at line 24 with no lock held",
        "a.py:25:5: PVT202 `if user not in sessions` in `forget_everywhere`, which runs in threads started at "
        "line 41, then changes global `sessions` at line 26 with no lock held",
    ]
    remaining = noisy(30, 42)
    assert (result.returncode, result.stdout.splitlines()) == (1, unsafe_left + remaining)
    assert result.stderr.splitlines()[0] == "Fixed 3 findings."
    again = run_cli("--no-cache", "--fix", "a.py", cwd=tmp_path)
    assert again.stderr.splitlines()[0] == "Fixed 0 findings."
    assert path.read_text(encoding="utf-8") == AFTER_SAFE


@pytest.mark.slow
def test_unsafe_fixes_apply_too_on_request(tmp_path):
    path = copy(tmp_path)
    result = run_cli("--no-cache", "--fix", "--unsafe-fixes", "a.py", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == AFTER_UNSAFE
    compile(AFTER_UNSAFE, "a.py", "exec")
    assert result.stderr.splitlines()[0] == "Fixed 5 findings."
    assert (result.returncode, result.stdout.splitlines()) == (1, noisy(28, 40))


@pytest.mark.slow
def test_the_reports_say_what_is_fixable(tmp_path):
    copy(tmp_path)
    text = run_cli("--no-cache", "a.py", cwd=tmp_path).stdout.splitlines()
    assert [line.split(": ", 1)[1][:10] for line in text] == ["PVT202 [*]"] * 3 + ["PVT202 `if"] * 4
    found = json.loads(run_cli("--no-cache", "--format", "json", "a.py", cwd=tmp_path).stdout)
    assert found[0]["fix"] == {
        "applicability": "safe",
        "message": "Use `sessions.pop(user, None)`",
        "edits": [{"content": "sessions.pop(user, None)  # expect: PVT202",
                   "location": {"row": 17, "column": 5}, "end_location": {"row": 18, "column": 27}}],
    }
    assert [f["fix"]["applicability"] if f["fix"] else None for f in found] == [
        "safe", "safe", "safe", "unsafe", "unsafe", None, None]
    # The cache keeps the fixes: a warm run says the same.
    cache = ["--cache-dir", str(tmp_path / "cache"), "--format", "json", "a.py"]
    assert json.loads(run_cli(*cache, cwd=tmp_path).stdout) == found
    assert json.loads(run_cli(*cache, cwd=tmp_path).stdout) == found


@pytest.mark.slow
@pytest.mark.parametrize(("args", "message"), [
    (["--fix", "-"], "--fix edits files: it cannot be used with standard input"),
    (["--fix-diff", "--fix", "."], "--fix-diff shows the fixes and writes nothing: use it without --fix and --add-noqa"),
])
def test_fix_usage_errors(tmp_path, args, message):
    result = run_cli("--no-cache", *args, cwd=tmp_path, input="x = 1\n")
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"pvt-lint: error: {message}\n")


@pytest.mark.slow
def test_sarif_carries_the_fixes(tmp_path):
    copy(tmp_path)
    results = json.loads(run_cli("--no-cache", "--format", "sarif", "a.py", cwd=tmp_path).stdout)["runs"][0]["results"]
    assert results[3]["fixes"] == [{
        "description": {"text": "Use `registry.pop(user, None)` (unsafe fix)"},
        "artifactChanges": [{
            "artifactLocation": {"uri": "a.py", "uriBaseId": "%SRCROOT%"},
            "replacements": [{"deletedRegion": {"startLine": 24, "startColumn": 5, "endLine": 25, "endColumn": 27},
                              "insertedContent": {"text": "registry.pop(user, None)  # expect: PVT202"}}],
        }],
    }]
    assert ["fixes" in r for r in results] == [True] * 5 + [False] * 2


def _fixture_cases():
    from helpers import FIXTURES as root

    return sorted(p for p in root.rglob("*.py") if "projects" not in p.parts)


REGENERATE = "python tests/test_fixes.py"


def fixed_snapshot(path):
    return path.with_suffix(".fixed")


def fix_passes(path):
    """Every fix (unsafe ones too) applied to the fixture at ``path`` as ``--fix --unsafe-fixes`` does: a
    pass applies the fixes that do not overlap, then a fresh analysis, again while fixes apply. Asserts on
    the way that each pass applies at least one fix and compiles, that no rule gains findings, and at the
    end that every finding a fix was offered for is gone (its message names the state or primitive it was
    about; another finding may say the same of another line) and that nothing is left to fix. Returns the
    passes' texts, the original first; just the original when no finding has a fix."""
    from pvt_lint.engine import lint_source
    from pvt_lint.runner.fixes import PASSES

    def key(f):
        return (f.code, f.message)

    texts = [path.read_text(encoding="utf-8", errors="surrogateescape")]
    findings = first = lint_source(texts[0], str(path))
    offered = []  # per pass: (the findings then, the fixed ones)
    for _ in range(PASSES):
        fixes = [f for f in findings if f.fix is not None]
        if not fixes:
            break
        fixed, count = apply_edits(texts[-1], [f.fix.edits for f in fixes])
        assert count >= 1, path
        compile(fixed, str(path), "exec")
        after = lint_source(fixed, str(path))
        for code in {f.code for f in first}:
            assert sum(f.code == code for f in after) <= sum(f.code == code for f in first), (path, code)
        offered.append((Counter(map(key, findings)), Counter(map(key, fixes))))
        texts.append(fixed)
        findings = after
    assert [f for f in findings if f.fix is not None] == [], path  # a further --fix would change nothing
    final = Counter(map(key, findings))
    for then, fixed in offered:
        assert all(final[k] <= then[k] - n for k, n in fixed.items()), path
    return texts


def test_every_fix_on_every_fixture_gives_its_snapshot_compiles_removes_its_finding_and_is_idempotent():
    snapshots = set()
    for path in _fixture_cases():
        texts = fix_passes(path)
        if len(texts) == 1:
            continue
        snapshot = fixed_snapshot(path)
        assert snapshot.exists() and texts[-1] == snapshot.read_text(encoding="utf-8"), (
            f"{snapshot} is missing or stale: run `{REGENERATE}`")
        snapshots.add(snapshot)
    from helpers import FIXTURES as root

    assert set(root.rglob("*.fixed")) == snapshots  # no snapshot without its fixture
    # By the fixes they show: PVT202's dict and set methods (3 files and the mixed one), PVT104's process
    # primitives (2), PVT203's lock taken (8, the mixed one too), PVT201's one own lock (1, and the mixed one),
    # PVT102's functions moved to module level (4, and another mixed one), PVT301's process pools (2),
    # PVT103's main guards (4, one in PVT201's folder and one more mixed one).
    assert len(snapshots) == 27


@pytest.mark.slow
def test_pvt104_makes_the_primitives_with_the_process_api_the_module_imports(tmp_path):
    source = (FIXTURES / "PVT104" / "made_for_a_process.py").read_text(encoding="utf-8")
    (tmp_path / "m.py").write_text(source, encoding="utf-8")
    safe_only = run_cli("--no-cache", "--fix", "m.py", cwd=tmp_path)
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == source  # unsafe: not without --unsafe-fixes
    assert safe_only.stderr.splitlines()[0] == "Fixed 0 findings."
    result = run_cli("--no-cache", "--fix", "--unsafe-fixes", "m.py", cwd=tmp_path)
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == source.replace(
        "    lock = threading.Lock()\n    done = Event()\n", "    lock = mp.Lock()\n    done = ProcessEvent()\n")
    # The queue that also goes to pool tasks keeps its finding and gets no fix.
    assert (result.returncode, result.stdout) == (1, (
        "m.py:26:5: PVT104 `results` (a `queue.Queue`) passed to `multiprocessing.Process` fails to pickle under "
        "spawn and is a private copy under fork; use `multiprocessing.Queue()`\n"))
    assert result.stderr.splitlines()[0] == "Fixed 2 findings."


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    for case in _fixture_cases():
        passes = fix_passes(case)
        target = fixed_snapshot(case)
        if len(passes) > 1:
            target.write_text(passes[-1], encoding="utf-8")
        elif target.exists():
            target.unlink()
