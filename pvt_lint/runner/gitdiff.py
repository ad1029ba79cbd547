"""``--diff REF``: the Python files that changed since a git ref, for linting only those.

"Changed" is everything a reviewer would see against REF: commits since REF, staged and unstaged
edits, and new files git does not ignore. Deleted files are left out. The files are restricted
to the paths given on the command line, and the configured excludes apply below a given
directory exactly as they do when that directory is walked.
"""

from __future__ import annotations

import os
import subprocess
from typing import Sequence

from ..config import Config


class GitDiffError(Exception):
    """Not a git repository, an unknown ref, or git itself missing: a one-line message."""


def _git(args: Sequence[str], cwd: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            # A ref name is never a pathspec; keep git from asking anything on a terminal.
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"},
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitDiffError("--diff needs git, and git is not installed") from None
    if result.returncode != 0:
        raise GitDiffError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "git failed")
    return result.stdout


def changed_python_files(ref: str, paths: Sequence[str], config: Config, cwd: str | None = None) -> list[str]:
    """The ``*.py`` files under ``paths`` that differ from ``ref``, in a stable order.

    Paths are spelt as walking ``paths`` would spell them, relative to ``cwd`` when given so.
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    where = _repository_start(paths, cwd)
    try:
        top = _git(["rev-parse", "--show-toplevel"], where).strip()
    except GitDiffError:
        raise GitDiffError(f"--diff {ref}: {where} is not inside a git repository") from None
    if ref.startswith("-"):
        raise GitDiffError(f"--diff {ref}: not a git revision")
    try:
        _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], where)
    except GitDiffError:
        raise GitDiffError(f"--diff {ref}: unknown git revision") from None

    # Both listings are relative to the top of the work tree and NUL-separated (no quoting).
    changed = _git(["diff", "--name-only", "--no-renames", "--diff-filter=d", "-z", ref, "--"], top)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--full-name"], top)
    names = {name for name in (changed + untracked).split("\0") if name.endswith(".py")}

    # A given path that does not exist is passed through: the run reports it as it always does.
    out: list[str] = [given for given in paths if not os.path.lexists(os.path.join(cwd, given))]
    seen: set[str] = set()
    for name in sorted(names):
        absolute = os.path.join(top, name)
        if not os.path.isfile(absolute):
            continue
        shown = _as_given(os.path.realpath(absolute), paths, config, cwd)
        if shown is not None and shown not in seen:
            seen.add(shown)
            out.append(shown)
    return out


def _repository_start(paths: Sequence[str], cwd: str) -> str:
    """Where to look for the repository: the first existing path given (as ruff finds a project from
    its paths, not from the working directory), else the working directory."""
    for given in paths:
        full = os.path.join(cwd, given)
        if os.path.isdir(full):
            return os.path.abspath(full)
        if os.path.isfile(full):
            return os.path.dirname(os.path.abspath(full))
    return cwd


def _as_given(real: str, paths: Sequence[str], config: Config, cwd: str) -> str | None:
    """The file spelt as walking the given paths would spell it, or None if none covers it."""
    for given in paths:
        given_real = os.path.realpath(os.path.join(cwd, given))
        if real == given_real:
            return given  # a file named on the command line is linted, excluded or not
        if not os.path.isdir(given_real):
            continue
        relative = os.path.relpath(real, given_real)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            continue
        shown = os.path.normpath(os.path.join(given, relative))
        # The excludes apply to every directory below the given one and to the file itself.
        parts = relative.split(os.sep)
        for i in range(len(parts)):
            rel = config.relative_to_root(os.path.join(given_real, *parts[: i + 1]))
            if config.excludes_entry(rel.rpartition("/")[2] or rel, rel):
                return None
        return shown
    return None
