"""Issue 18 item 3: ``respect-gitignore`` (default on), by git's own rules: nested ``.gitignore`` files,
``.git/info/exclude`` and the global excludes file; a tracked file is linted even when a pattern matches
it, as git itself does. ``--no-respect-gitignore`` and ``respect-gitignore = false`` turn it off."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from helpers import BUGGY, run_cli

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]


def git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository whose files are each ignored by a different source of git's rules, or not at all."""
    global_excludes = tmp_path / "global-excludes"
    global_excludes.write_text("by_global.py\n")
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f"[core]\n\texcludesFile = {global_excludes}\n[user]\n\tname = t\n\temail = t@t\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    root = tmp_path / "repo"
    (root / "pkg" / "gen").mkdir(parents=True)
    git("init", "-q", cwd=root)
    (root / ".gitignore").write_text("build_out/\n")
    (root / "pkg" / ".gitignore").write_text("gen/\n*_pb2.py\n")
    (root / ".git" / "info" / "exclude").write_text("local_only.py\n")
    for name in ("kept.py", "local_only.py", "by_global.py", "build_out/x.py", "pkg/mod.py", "pkg/gen/g.py",
                 "pkg/api_pb2.py", "pkg/tracked_pb2.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(BUGGY)
    git("add", "-f", "pkg/tracked_pb2.py", cwd=root)  # tracked: git never ignores it
    return root


def linted(result) -> set[str]:
    return {f["path"] for f in json.loads(result.stdout)}


def test_files_git_ignores_are_left_out(repo):
    result = run_cli("--no-cache", "--format", "json", ".", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert linted(result) == {"kept.py", "pkg/mod.py", "pkg/tracked_pb2.py"}


def test_a_subdirectory_given_uses_the_same_rules(repo):
    result = run_cli("--no-cache", "--format", "json", "pkg", cwd=repo)
    assert linted(result) == {"pkg/mod.py", "pkg/tracked_pb2.py"}


def test_no_respect_gitignore_lints_everything(repo):
    everything = {"kept.py", "local_only.py", "by_global.py", "build_out/x.py", "pkg/mod.py", "pkg/gen/g.py",
                  "pkg/api_pb2.py", "pkg/tracked_pb2.py"}
    result = run_cli("--no-cache", "--format", "json", "--no-respect-gitignore", ".", cwd=repo)
    assert linted(result) == everything
    (repo / "pyproject.toml").write_text("[tool.pvt-lint]\nrespect-gitignore = false\n")
    result = run_cli("--no-cache", "--format", "json", ".", cwd=repo)
    assert linted(result) == everything


def test_a_file_named_explicitly_is_linted_even_if_ignored(repo):
    result = run_cli("--no-cache", "--format", "json", "pkg/api_pb2.py", cwd=repo)
    assert linted(result) == {"pkg/api_pb2.py"}


def test_a_directory_named_explicitly_that_git_ignores_is_linted_whole(repo):
    # The interpreter's Lib/ under a ~/.pyenv repository that ignores /versions: asked for, so linted.
    result = run_cli("--no-cache", "--format", "json", "build_out", cwd=repo)
    assert linted(result) == {"build_out/x.py"}
    result = run_cli("--no-cache", "--format", "json", "gen", cwd=repo / "pkg")
    assert linted(result) == {"gen/g.py"}


def test_outside_a_repository_nothing_is_ignored(tmp_path):
    (tmp_path / ".gitignore").write_text("a.py\n")
    (tmp_path / "a.py").write_text(BUGGY)
    result = run_cli("--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert linted(result) == {"a.py"}


def test_outside_a_repository_no_git_process_is_started(tmp_path, monkeypatch):
    from pvt_lint.runner import discovery

    def no_git(*args, **kwargs):
        raise AssertionError(f"git was run: {args}")

    (tmp_path / "a.py").write_text(BUGGY)
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    monkeypatch.setattr(discovery.subprocess, "run", no_git)
    assert discovery.git_ignored(str(tmp_path), [str(tmp_path / "a.py")]) == set()
    (tmp_path / ".git").mkdir()  # a repository: git is asked
    with pytest.raises(AssertionError, match="git was run"):
        discovery.git_ignored(str(tmp_path), [str(tmp_path / "a.py")])
