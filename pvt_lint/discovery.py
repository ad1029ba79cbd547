"""Which files a run lints: the paths given, and the ``*.py`` files found by walking directories.

A walk never follows a symbolic link (to a file or a directory, inside the tree or out of it:
symlink loops cannot happen, and a link cannot lead the walk out of the project), and never opens
anything but a regular file: a FIFO or socket named ``x.py`` would block the read forever or fail.
Both are left out silently, as ruff and git do. A directory named ``something.py`` is walked into.
A path given on the command line is always linted; if it cannot be read, the reading says so.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Iterable

from .config import real_path

if TYPE_CHECKING:
    from .config import Config
    from .engine import Report


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
            for path in _walk(given, config):
                key = real_path(path)
                if key not in seen:
                    seen.add(key)
                    out.append(path)
        else:
            key = real_path(given)
            if key not in seen:
                seen.add(key)
                out.append(given)
    return out


def _walk(root: str, config: "Config") -> Iterable[str]:
    # onerror=None: a directory that vanishes or cannot be listed mid-walk is passed over, like git.
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames
            if not os.path.islink(os.path.join(directory, d)) and not config.is_excluded(os.path.join(directory, d))
        )
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = os.path.normpath(os.path.join(directory, name))
            try:
                mode = os.lstat(path).st_mode
            except OSError:  # deleted since the directory was listed
                continue
            # Checked before the exclude patterns, which resolve the path: a symlink loop would not resolve.
            if stat.S_ISREG(mode) and not config.is_excluded(path):
                yield path
