"""Which files a run lints: the paths given, and the ``*.py`` files found by walking directories.

A walk never follows a symbolic link (to a file or a directory, inside the tree or out of it:
symlink loops cannot happen, and a link cannot lead the walk out of the project), and never opens
anything but a regular file: a FIFO or socket named ``x.py`` would block the read forever or fail.
Both are left out silently, as ruff and git do. A directory named ``something.py`` is walked into.
A path given on the command line is always linted; if it cannot be read, that is an error of the run.
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING, Iterable, Iterator

from ..config import real_path

if TYPE_CHECKING:
    from ..config import Config
    from .report import Report


def iter_python_files(paths: Iterable[str], config: "Config", report: "Report") -> list[str]:
    """Files to lint, in a stable order; problems with paths go to ``report.errors``."""
    out: list[str] = []
    seen: set[str] = set()
    for given in paths:
        if not os.path.lexists(given):
            report.errors.append(f"{given}: No such file or directory")
            continue
        if config.excludes_named_path(given):
            continue
        if os.path.isdir(given):
            found = list(_walk(given, config))
            if config.respect_gitignore:
                ignored = git_ignored(given, [path for path, _ in found])
                found = [(path, key) for path, key in found if path not in ignored]
            for path, key in found:
                if key not in seen:
                    seen.add(key)
                    out.append(path)
        else:
            problem = _unreadable(given)
            if problem is not None:
                report.errors.append(f"{given}: cannot read: {problem}")
                continue
            key = real_path(given)
            if key not in seen:
                seen.add(key)
                out.append(given)
    return out


def git_ignored(root: str, paths: list[str]) -> set[str]:
    """Which of ``paths`` (found under the directory ``root``) git ignores: git's own answer, in one
    ``git check-ignore --stdin`` per directory given, so nested ``.gitignore`` files, ``.git/info/exclude``
    and the global excludes file all count, and tracked files are never ignored (as in git). Outside a
    repository, or without git, nothing is ignored (ruff's ``respect-gitignore`` also needs a repository).
    A directory named on the command line that git ignores itself (a checkout's ``build/``, the
    interpreter's ``Lib/`` under a ``~/.pyenv`` repository that ignores ``/versions``) is linted whole:
    the user asked for it, and ruff too applies ignore rules only to what it finds under a named path."""
    if not paths or not _in_repository(root) or _ignored_itself(root):
        return set()
    names = [os.path.relpath(path, root) for path in paths]
    try:
        done = subprocess.run(
            ["git", "check-ignore", "-z", "--stdin"],
            cwd=root,
            input=b"".join(os.fsencode(name) + b"\0" for name in names),
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if done.returncode not in (0, 1):  # 128: not a repository (or git failed): ignore nothing
        return set()
    ignored = {os.fsdecode(name) for name in done.stdout.split(b"\0") if name}
    return {path for path, name in zip(paths, names) if name in ignored}


def _in_repository(directory: str) -> bool:
    """Could git see a repository here: a ``.git`` in the directory or one above it (or ``GIT_DIR`` set)?
    Without one no ``git`` process is started: it would only say "not a git repository"."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    current = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return True
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


def _ignored_itself(directory: str) -> bool:
    try:
        done = subprocess.run(["git", "check-ignore", "-q", "--", os.path.abspath(directory)], cwd=directory,
                              capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _unreadable(path: str) -> str | None:
    """Why a file named on the command line cannot be read (a dangling link, a loop, no permission):
    naming it asked for it to be linted, so this is an error, not a skipped file."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    if not os.access(path, os.R_OK):
        return "Permission denied"
    return None


def _walk(root: str, config: "Config") -> Iterator[tuple[str, str]]:
    """(path, real path) of every ``*.py`` regular file under ``root``: top-down, each directory's files
    before its subdirectories, names sorted. One ``scandir`` per directory; an entry's type comes from
    the listing, and its real and root-relative paths from its directory's, which are worked out once.
    Iterative (a stack of directories): a recursive generator passes every file up through each level."""
    stack = [(root, os.path.realpath(root), config.relative_to_root(root))]
    while stack:
        directory, real, rel = stack.pop()
        # A directory that vanishes or cannot be listed mid-walk is passed over, like git.
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            continue
        files: list[str] = []
        subdirectories: list[str] = []
        for entry in entries:
            try:
                # Symbolic links are never followed, to files or directories (is_symlink before the others).
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    subdirectories.append(entry.name)
                elif entry.name.endswith(".py") and entry.is_file(follow_symlinks=False):
                    files.append(entry.name)
            except OSError:  # deleted since the directory was listed
                continue
        for name in sorted(files):
            if not config.excludes_entry(name, _child(rel, name)):
                yield os.path.normpath(os.path.join(directory, name)), os.path.join(real, name)
        below = []
        for name in sorted(subdirectories):
            child_rel = _child(rel, name)
            if not config.excludes_entry(name, child_rel):
                below.append((os.path.join(directory, name), os.path.join(real, name), child_rel))
        stack.extend(reversed(below))  # the first subdirectory is walked next


def _child(rel: str, name: str) -> str:
    return name if rel == "." else f"{rel}/{name}"
