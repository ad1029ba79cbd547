import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# A module with one PVT101 (line 4, column 5): the smallest real finding, for CLI and input tests.
BUGGY = """import multiprocessing
data = []
def worker():
    data.append(1)
if __name__ == "__main__":
    multiprocessing.Process(target=worker).start()
"""


def run_cli(*args: str, cwd: Path | str | None = None, input: str | None = None, timeout: float = 120):
    """Run the real ``pvt-lint`` command line in a subprocess."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-m", "pvt_lint", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        input=input,
        timeout=timeout,
        env=env,
    )


@pytest.fixture
def cli():
    return run_cli
