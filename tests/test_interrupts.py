"""Ctrl-C and closed pipes through the real CLI: exit 130 or quietly, nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT

pytestmark = pytest.mark.slow

MODULE = """\
import threading

lock = threading.Lock()
counter = 0


def work(n):
    global counter
    with lock:
        counter += n
    return [i * i for i in range(n)]


threads = [threading.Thread(target=work, args=(i,)) for i in range({n})]
"""


def make_tree(root: Path, files: int) -> Path:
    tree = root / "tree"
    for n in range(files):
        package = tree / f"pkg{n // 100:02}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"mod{n:04}.py").write_text(MODULE.format(n=n))
    return tree


def session_processes(sid: int) -> list[str]:
    """Processes still alive in the session the CLI led (its workers would be there)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":  # fields[3] is the session id
            alive.append(f"{entry.name} {stat[:stat.rindex(')') + 1]}")
    return alive


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads sessions from /proc")
@pytest.mark.parametrize("whom", ["process group", "main process"])
def test_sigint_during_a_parallel_run(tmp_path, whom):
    tree = make_tree(tmp_path, 3000)
    cache = tree / ".pvt_lint_cache"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "pvt_lint", "--jobs", "2", "."], cwd=tree, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        # As a terminal starts it: a suite run in the background (``cmd &`` in a script, nohup) ignores
        # SIGINT, a child inherits that, and Python then installs no KeyboardInterrupt handler at all.
        preexec_fn=_default_sigint,
    )
    try:
        # Interrupt once the workers are writing results, a moment into the analysis (the whole run
        # takes about 5 s here; the interrupt must land well before its end).
        deadline = time.monotonic() + 120
        while not any(cache.rglob("*.json")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.3)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        if whom == "process group":  # what Ctrl-C in a terminal does
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)  # a hang guard, not a measurement
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "pvt-lint: interrupted"
    assert session_processes(proc.pid) == []
    written = [p for p in cache.rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert written
    for path in written:
        assert path.suffix == ".json", path  # no temporary file left
        json.loads(path.read_text())


def test_a_closed_pipe_ends_quietly(tmp_path):
    # One file with 1,000 findings: far more output than a pipe buffer holds.
    lines = ["import multiprocessing", "results = []", "", "def worker():"]
    lines += [f"    results.append({i})" for i in range(1000)]
    lines += ["", "if __name__ == '__main__':", "    p = multiprocessing.Process(target=worker)",
              "    p.start()", "    p.join()", "    print(results)", ""]
    (tmp_path / "many.py").write_text("\n".join(lines))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = f"{sys.executable} -m pvt_lint --no-cache many.py | head -1"
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.count("\n") == 1 and "PVT101" in result.stdout
    assert "Traceback" not in result.stderr
    assert "BrokenPipe" not in result.stderr and "Exception ignored" not in result.stderr
