"""``--diff REF`` in a real git repository: exactly the changed Python files are linted."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pvt_lint.config import Config
from pvt_lint.runner.gitdiff import GitDiffError, changed_python_files

from helpers import run_cli

pytestmark = pytest.mark.slow

BUG = """\
import multiprocessing

data = []


def worker():
    data.append(1)


if __name__ == "__main__":
    multiprocessing.Process(target=worker).start()
"""

IDENTITY = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(IDENTITY)
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True, timeout=60
    ).stdout


def write(repo: Path, name: str, text: str = BUG) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose first commit ("base") holds files that stay unchanged afterwards."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    write(root, ".gitignore", "ignored/\n")
    write(root, "src/unchanged.py")
    write(root, "src/committed.py", "x = 1\n")
    write(root, "src/staged.py", "x = 1\n")
    write(root, "src/unstaged.py", "x = 1\n")
    write(root, "src/deleted.py", "x = 1\n")
    write(root, "fixtures/unchanged.py")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "tag", "base")
    # After the base: one change of every kind git knows.
    write(root, "src/committed.py")
    write(root, "src/new_committed.py")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "later")
    write(root, "src/staged.py")
    git(root, "add", "src/staged.py")
    write(root, "src/unstaged.py")
    write(root, "src/untracked.py")
    write(root, "src/notes.txt", "not python\n")
    write(root, "ignored/untracked.py")
    write(root, "fixtures/changed.py")
    write(root, "docs/example.py")
    (root / "src/deleted.py").unlink()
    return root


CHANGED_UNDER_SRC = [
    "src/committed.py",
    "src/new_committed.py",
    "src/staged.py",
    "src/unstaged.py",
    "src/untracked.py",
]


def test_every_kind_of_change_is_found_and_nothing_else(repo):
    assert changed_python_files("base", ["src"], Config(), cwd=str(repo)) == CHANGED_UNDER_SRC


def test_paths_restrict_the_files_and_excludes_apply_below_them(repo):
    config = Config(root=str(repo), extend_exclude=("fixtures",))
    assert changed_python_files("base", ["."], config, cwd=str(repo)) == [
        "docs/example.py",
        *CHANGED_UNDER_SRC,
    ]
    assert changed_python_files("base", ["docs", "src/staged.py"], config, cwd=str(repo)) == [
        "docs/example.py",
        "src/staged.py",
    ]
    # Naming an excluded file or directory lints it, as without --diff.
    assert changed_python_files("base", ["fixtures"], config, cwd=str(repo)) == ["fixtures/changed.py"]
    # An unchanged file named on the command line is not linted.
    assert changed_python_files("base", ["src/unchanged.py"], config, cwd=str(repo)) == []


def test_head_as_ref_sees_only_uncommitted_work(repo):
    assert changed_python_files("HEAD", ["src"], Config(), cwd=str(repo)) == [
        "src/staged.py",
        "src/unstaged.py",
        "src/untracked.py",
    ]


def test_cli_lints_only_the_changed_files(repo):
    result = run_cli("--diff", "base", "--format", "json", "src", cwd=repo)
    assert result.returncode == 1, result.stderr
    found = sorted((f["path"], f["line"], f["code"]) for f in json.loads(result.stdout))
    assert found == [(path, 7, "PVT101") for path in CHANGED_UNDER_SRC]
    assert result.stderr == "5 findings in 5 files (0 files skipped)\n"


def test_cli_with_nothing_changed_is_clean(repo):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "everything")
    result = run_cli("--diff", "HEAD", "src", cwd=repo)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "0 findings in 0 files (0 files skipped)\n")


def test_cli_missing_path_is_still_an_error(repo):
    result = run_cli("--diff", "base", "nowhere", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == "pvt-lint: error: nowhere: No such file or directory"


def test_unknown_ref_is_a_one_line_error(repo):
    result = run_cli("--diff", "no-such-branch", "src", cwd=repo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "pvt-lint: error: --diff no-such-branch: unknown git revision\n"


def test_option_like_ref_is_not_passed_to_git_as_an_option(repo):
    with pytest.raises(GitDiffError, match=r"^--diff --output=x: not a git revision$"):
        changed_python_files("--output=x", ["."], Config(), cwd=str(repo))
    assert not (repo / "x").exists()


def test_outside_a_git_repository_is_a_one_line_error(tmp_path, monkeypatch):
    outside = tmp_path / "plain"
    outside.mkdir()
    write(outside, "a.py")
    # Keep git from finding a repository above tmp_path (run_cli passes the environment on).
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    result = run_cli("--diff", "HEAD", ".", cwd=outside)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"pvt-lint: error: --diff HEAD: {outside} is not inside a git repository\n"


def test_the_repository_is_found_from_the_paths_not_the_working_directory(repo, monkeypatch):
    # Issue 18: `pvt-lint --diff REF PATH` run from outside the repository that holds PATH (as ruff
    # finds the project from the paths).
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(repo.parent))
    result = run_cli("--diff", "base", "--format", "json", "repo/src", cwd=repo.parent)
    assert result.returncode == 1, result.stderr
    found = sorted(f["path"] for f in json.loads(result.stdout))
    assert found == [f"repo/{path}" for path in CHANGED_UNDER_SRC]
