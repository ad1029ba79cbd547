"""Reading one file for a run: its bytes, or why it was not read (a FIFO, too large, gone, unreadable)."""

from __future__ import annotations

import os
import stat

from ..config import Config
from ..findings import FileResult


def read(path: str, config: Config) -> bytes | FileResult:
    """The file's bytes, or the result that says why it was not read."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            return FileResult(path, skipped="not a regular file")
        size = os.path.getsize(path)
        if size > config.max_file_size:
            return FileResult(path, skipped=f"larger than max-file-size ({size} > {config.max_file_size} bytes)")
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        return FileResult(path, skipped=f"cannot read: {exc.strerror or exc}")
