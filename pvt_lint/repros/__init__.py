"""Runnable reproductions: for every rule, a buggy script that shows the mistake and a fixed one.

The scripts are package data. Importing this package never imports or runs them; `run` executes
one with the current interpreter in a child process and reads the verdict line it ends with
(`reproduced: ...` for a buggy script, `fixed: ...` for a fixed one).
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass

# Rule code -> script stem. This table is the only way from a code to a file, so no path is ever
# built from the caller's text.
_STEMS = {
    "PVT101": "pvt101",
    "PVT102": "pvt102",
    "PVT103": "pvt103",
    "PVT104": "pvt104",
    "PVT105": "pvt105",
    "PVT201": "pvt201",
    "PVT202": "pvt202",
    "PVT203": "pvt203",
    "PVT301": "pvt301",
}

CODES: tuple[str, ...] = tuple(_STEMS)

_HERE = pathlib.Path(__file__).resolve().parent
_VERDICT_PREFIXES = ("reproduced: ", "fixed: ", "not reproduced: ", "not fixed: ")
# After a kill, how long to wait for the pipes to close before giving up on the rest of the output.
_DRAIN_SECONDS = 10.0


@dataclass(frozen=True)
class ReproResult:
    code: str
    variant: str  # "buggy" or "fixed"
    source: str
    output: str  # stdout and stderr, interleaved
    returncode: int
    verdict: str  # the script's final verdict line, or why there is none
    ok: bool  # the expected verdict ("reproduced: " / "fixed: ") and exit code 0


def script_path(code: str, fixed: bool) -> pathlib.Path:
    """The bundled script for `code`; KeyError for anything that is not a known rule code."""
    if not isinstance(code, str) or code not in _STEMS:
        raise KeyError(code)
    return _HERE / f"{_STEMS[code]}_{'fixed' if fixed else 'buggy'}.py"


def run(code: str, fixed: bool = False, timeout: float = 120.0) -> ReproResult:
    """Run one reproduction in a child interpreter inside a temporary working directory."""
    path = script_path(code, fixed)
    variant = "fixed" if fixed else "buggy"
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8")
    with tempfile.TemporaryDirectory(prefix="pvt-repro-", ignore_cleanup_errors=True) as cwd:
        proc = subprocess.Popen(
            [sys.executable, str(path)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            **_own_process_group(),
        )
        try:
            output, _ = proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            output = _drain(proc)
            timed_out = True
        except BaseException:
            # Ctrl-C reaches only us (the script has its own group): take its children down too.
            _kill_group(proc)
            raise
    returncode = proc.returncode if proc.returncode is not None else -1
    if timed_out:
        verdict = f"timed out after {timeout:g} s"
    else:
        verdict = _find_verdict(output, returncode)
    expected = "fixed: " if fixed else "reproduced: "
    return ReproResult(
        code=code,
        variant=variant,
        source=path.read_text(encoding="utf-8"),
        output=output,
        returncode=returncode,
        verdict=verdict,
        ok=not timed_out and returncode == 0 and verdict.startswith(expected),
    )


def _find_verdict(output: str, returncode: int) -> str:
    for line in reversed(output.splitlines()):
        if line.startswith(_VERDICT_PREFIXES):
            return line
    return f"no verdict line (exit code {returncode})"


def _own_process_group() -> dict:
    # A group of its own lets a timeout kill the script together with the processes it started.
    if os.name == "posix":
        return {"start_new_session": True}
    return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}


def _kill_group(proc: subprocess.Popen) -> None:
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.kill()


def _drain(proc: subprocess.Popen) -> str:
    try:
        return proc.communicate(timeout=_DRAIN_SECONDS)[0] or ""
    except subprocess.TimeoutExpired as exc:
        # Something outside the group still holds the pipe open: keep what has arrived.
        if proc.stdout is not None:
            proc.stdout.close()
        proc.wait(timeout=_DRAIN_SECONDS)
        return (exc.output or b"").decode("utf-8", "replace")
