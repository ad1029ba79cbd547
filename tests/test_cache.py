"""The result cache through the real CLI: it is used, it cannot be poisoned, concurrent runs agree."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, fixture_tree, run_cli

pytestmark = pytest.mark.slow

CACHE = ".pvt_lint_cache"


def entries(cache: Path) -> dict[str, Path]:
    """Cache entry files by the path they describe."""
    out = {}
    for entry in cache.rglob("*.json"):
        out[json.loads(entry.read_text())["path"]] = entry
    return out


def drop_records(cache: Path) -> None:
    """Remove the project records, so that a run reads the entries themselves."""
    for record in cache.rglob("*.record"):
        record.unlink()


def lint(tree: Path, *args: str):
    result = run_cli("--format", "json", *args, ".", cwd=tree)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_cold_run_creates_the_cache_with_its_own_gitignore_and_warm_run_agrees(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    uncached = lint(tree, "--no-cache")
    assert not (tree / CACHE).exists()
    cold = lint(tree)
    assert (tree / CACHE / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(entries(tree / CACHE)) == len(list(tree.rglob("*.py")))
    warm = lint(tree)
    assert uncached.stdout == cold.stdout == warm.stdout
    assert json.loads(warm.stdout)  # the fixtures have findings: equal outputs are not both empty


def test_a_valid_entry_is_really_used(tmp_path):
    """Proves the poisoning tests below test something: an entry that validates is believed."""
    tree = fixture_tree(tmp_path, copies=1)
    lint(tree)
    (tree / "quiet.py").write_text("import threading\n")
    lint(tree)
    entry_file = entries(tree / CACHE)["quiet.py"]
    entry = json.loads(entry_file.read_text())
    assert entry["findings"] == []
    entry["findings"] = [{
        "path": "quiet.py", "line": 1, "column": 0, "code": "PVT999",
        "message": "planted", "end_line": 1, "end_column": 0, "name": "planted", "severity": "error",
        "url": "", "concept_url": "", "related": [], "fix": None,
    }]
    entry_file.write_text(json.dumps(entry))
    drop_records(tree / CACHE)  # the record of the last run would answer without reading any entry
    assert "planted" in lint(tree).stdout


PLANTED = {
    "path": "quiet.py", "line": 1, "column": 0, "code": "PVT999", "message": "planted", "end_line": 1,
    "end_column": 0, "name": "planted", "severity": "error", "url": "", "concept_url": "", "related": [],
    "fix": None,
}


def test_a_record_answers_an_unchanged_run_and_a_stale_or_malformed_one_is_ignored(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    (tree / "quiet.py").write_text("import threading\n")
    expected = lint(tree, "--no-cache").stdout
    lint(tree)
    (record_file,) = (tree / CACHE).rglob("*.record")
    record = json.loads(record_file.read_text())
    asked = record["content"]["files"]
    index = [path for path, _ in asked].index("quiet.py")

    def planted(content: dict) -> dict:
        results = [dict(r) for r in content["results"]]
        results[index] = {"findings": [PLANTED], "skipped": None}
        return {**content, "results": results}

    record["content"] = planted(record["content"])
    record_file.write_text(json.dumps(record))
    assert "planted" in lint(tree).stdout  # an unchanged project is answered from the record alone

    stale = json.loads(record_file.read_text())
    stale["content"]["files"][index][1] = hashlib.sha256(b"x = 1\n").hexdigest()
    stale["content"]["stats"][index] = None  # as an edit leaves it: the file is read and hashed
    for content in (
        stale["content"],  # a file's content differs: the record does not answer
        {**planted(record["content"]), "results": record["content"]["results"][:-1]},  # results missing
        {**record["content"], "results": [{"findings": "x", "skipped": None}] * len(asked)},
        {**record["content"], "judged": [[len(asked) + 5, "x"]]},  # an index out of range
    ):
        record_file.write_text(json.dumps({**record, "content": content}))
        result = lint(tree)
        assert result.stdout == expected and "planted" not in result.stdout


def test_a_file_with_its_recorded_stat_is_not_read_and_one_with_another_stat_is(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.pvt-lint]\n")
    quiet = tmp_path / "quiet.py"
    quiet.write_text("import threading\n# padding\n")
    os.utime(quiet, ns=(10**18, 10**18))  # long before the run: its stat is kept
    lint(tmp_path)
    (record_file,) = (tmp_path / CACHE).rglob("*.record")
    record = json.loads(record_file.read_text())
    assert [path for path, _ in record["content"]["files"]] == ["quiet.py"]
    assert record["content"]["stats"][0][:2] == [10**18, len("import threading\n# padding\n")]
    record["content"]["results"] = [{"findings": [PLANTED], "skipped": None}]
    record_file.write_text(json.dumps(record))
    # Other bytes with the same size, time and inode: the recorded hash is trusted, the file is not read.
    quiet.write_text("import threading\n# PADDING\n")
    os.utime(quiet, ns=(10**18, 10**18))
    assert "planted" in lint(tmp_path).stdout
    quiet.write_text("import threading\n# padding, edited\n")  # another stat: read, hashed, judged
    assert json.loads(lint(tmp_path).stdout) == []
    record = json.loads(record_file.read_text())
    assert record["content"]["stats"] == [None]  # changed just now: the next run reads it again


def test_planted_entries_are_ignored_rewritten_and_never_executed(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    expected = lint(tree, "--no-cache").stdout
    lint(tree)
    by_path = entries(tree / CACHE)
    with_findings = sorted(p for p, e in by_path.items() if json.loads(e.read_text())["findings"])
    assert len(with_findings) >= 5
    sentinel = tmp_path / "pickle-ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(sentinel), "w"))

    def garbage(entry: dict, raw: bytes) -> bytes:
        return os.urandom(len(raw))

    def truncated(entry: dict, raw: bytes) -> bytes:
        return raw[: len(raw) // 2]

    def other_content(entry: dict, raw: bytes) -> bytes:
        entry["sha256"] = hashlib.sha256(b"x = 1\n").hexdigest()
        entry["findings"] = []
        return json.dumps(entry).encode()

    def other_version(entry: dict, raw: bytes) -> bytes:
        entry["pvt_lint"] = "0.0.0-another-version"
        entry["findings"] = []
        return json.dumps(entry).encode()

    def pickled(entry: dict, raw: bytes) -> bytes:
        return pickle.dumps({"findings": [], "payload": Payload()})

    plants = [garbage, truncated, other_content, other_version, pickled]
    planted = {}
    for plant, path in zip(plants, with_findings):
        entry_file = by_path[path]
        raw = entry_file.read_bytes()
        entry_file.write_bytes(plant(json.loads(raw), raw))
        planted[path] = entry_file

    drop_records(tree / CACHE)
    assert lint(tree).stdout == expected
    assert not sentinel.exists()
    for path, entry_file in planted.items():
        entry = json.loads(entry_file.read_text())  # rewritten as a valid entry
        assert entry["path"] == path
        assert entry["sha256"] == hashlib.sha256((tree / path).read_bytes()).hexdigest()
        assert entry["findings"]
    assert lint(tree).stdout == expected


def test_an_edited_file_is_analysed_again(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    lint(tree)
    target = tree / "quiet.py"
    target.write_text("import threading\n")
    lint(tree)
    target.write_text(
        "import multiprocessing\nresults = []\n\ndef work():\n    results.append(1)\n\n"
        "if __name__ == '__main__':\n    p = multiprocessing.Process(target=work)\n    p.start()\n"
        "    p.join()\n    print(results)\n"
    )
    assert lint(tree).stdout == lint(tree, "--no-cache").stdout
    assert "quiet.py" in lint(tree).stdout


def test_cache_dir_option_and_a_different_configuration_do_not_share_entries(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    elsewhere = tmp_path / "elsewhere"
    everything = lint(tree, "--cache-dir", str(elsewhere))
    assert (elsewhere / ".gitignore").exists() and not (tree / CACHE).exists()
    narrower = lint(tree, "--cache-dir", str(elsewhere), "--select", "PVT3")
    assert narrower.stdout == lint(tree, "--no-cache", "--select", "PVT3").stdout
    assert narrower.stdout != everything.stdout


def test_two_concurrent_cold_runs_agree_and_leave_a_valid_cache(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)  # 40 files: enough for workers
    expected = lint(tree, "--no-cache").stdout
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-m", "pvt_lint", "--format", "json", "--jobs", "2", "."]
    runs = [subprocess.Popen(argv, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for stdout, stderr in outputs:
        assert "Traceback" not in stderr
        assert stdout == expected
    cache = tree / CACHE
    files = [p for p in cache.rglob("*") if p.is_file() and p.name != ".gitignore"]
    # One entry per file, plus one beside it for each file judged again with its project's facts (facts
    # other modules change), and the project stage's record; no temporary files left.
    records = [p for p in files if p.name.endswith(".record")]
    assert len(records) == 1 and json.loads(records[0].read_text())["record"]
    files = [p for p in files if p not in records]
    plain = [p for p in files if json.loads(p.read_text())["facts"] == ""]
    assert len(plain) == len(list(tree.rglob("*.py")))
    assert all(p.name.endswith(".json") for p in files)
    before = {p: p.stat().st_mtime_ns for p in files}
    for p in files:
        json.loads(p.read_text())
    assert lint(tree).stdout == expected
    # The third run read every entry and rewrote none.
    assert {p: p.stat().st_mtime_ns for p in files} == before


def test_a_fully_cached_run_never_imports_libcst(tmp_path):
    tree = fixture_tree(tmp_path, copies=1)
    lint(tree)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    warm = subprocess.run([sys.executable, "-X", "importtime", "-m", "pvt_lint", "."], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120)
    assert warm.returncode == 1, warm.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in warm.stderr.splitlines() if "|" in line}
    assert "pvt_lint.engine" in imported  # the measurement works
    assert not {name for name in imported if name.split(".")[0] == "libcst"}


def _fingerprint_of_copy(package_parent: Path) -> str:
    # -S and the copy as the working directory: neither an editable install's import hook nor the
    # current directory can load the work tree instead.
    code = "import pvt_lint.runner.cache as c; print(c.__file__); print(c._code_fingerprint())"
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    result = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, env=env, cwd=package_parent, check=True
    )
    loaded, fingerprint = result.stdout.split()
    assert Path(loaded).is_relative_to(package_parent)
    return fingerprint


def test_the_same_code_installed_again_with_new_mtimes_keeps_the_cache_valid(tmp_path):
    # A CI job installs the same release on a fresh machine every run, with new modification times:
    # the cache it restored from the previous run must still match. Changed code must not.
    first, second, edited = (tmp_path / name for name in ("first", "second", "edited"))
    for parent in (first, second, edited):
        shutil.copytree(ROOT / "pvt_lint", parent / "pvt_lint", copy_function=shutil.copy)
    os.utime(second / "pvt_lint" / "engine.py", ns=(0, 0))
    with open(edited / "pvt_lint" / "engine.py", "a", encoding="utf-8") as handle:
        handle.write("# a change\n")
    assert _fingerprint_of_copy(first) == _fingerprint_of_copy(second)
    assert _fingerprint_of_copy(first) != _fingerprint_of_copy(edited)
