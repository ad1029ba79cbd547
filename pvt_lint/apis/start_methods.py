"""The default start method of ``multiprocessing`` on each platform, by Python version (part of the registry
layer; ``pvt_lint.apis`` re-exports it). The configuration's ``platforms`` names these platforms."""

from __future__ import annotations

# From each version on (until the next row), the start method a plain ``Process``, ``Pool`` or
# ``ProcessPoolExecutor`` uses when the program does not choose one. Python 3.8 made macOS spawn (fork
# there crashes system libraries); Python 3.14 made Linux (and the other POSIX systems but macOS) use
# forkserver (fork copies locks other threads hold); Windows has no fork.
DEFAULT_START_METHODS: dict[str, tuple[tuple[tuple[int, int], str], ...]] = {
    "linux": (((3, 0), "fork"), ((3, 14), "forkserver")),
    "macos": (((3, 0), "fork"), ((3, 8), "spawn")),
    "windows": (((3, 0), "spawn"),),
}

START_METHODS = ("fork", "spawn", "forkserver")


def default_start_method(platform: str, version: tuple[int, int]) -> str:
    """The default start method on ``platform`` ("linux", "macos", "windows") under Python ``version``."""
    method = ""
    for since, name in DEFAULT_START_METHODS[platform]:
        if version >= since:
            method = name
    return method
