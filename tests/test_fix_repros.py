"""The fixes, end to end on the bundled reproductions: ``--fix --unsafe-fixes`` applied to a copy of
each buggy script whose bug one of the fixes repairs gives a program that runs and prints the fixed
verdict. The other buggy scripts get no fix at all (their fixes are not among the fixes: a lock made for
a lazy global, work moved out of a string that holds a whole program, a program rewritten around a
thread), which the first test pins so that a new fix must come with its run here."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from pvt_lint import repros

from helpers import run_cli

pytestmark = pytest.mark.slow

# Code -> the verdict its buggy script prints once fixed (a pattern where it carries timings).
FIXED_VERDICTS = {
    "PVT301": r"fixed: crunch ran on 2 processes in both runs, \d+\.\d\d s and \d+\.\d\d s",
    "PVT102": re.escape("fixed: pool.map and a spawned Process(target=square) both pickled their functions "
                        "by name"),
    "PVT104": re.escape("fixed: the parent received 'hello' through the queue and the child held the lock "
                        "under fork, spawn, forkserver"),
    "PVT203": re.escape("fixed: balance 100, deposit(50) and withdraw(30) in two threads, both under the lock, "
                        "left 120"),
}


def test_exactly_these_buggy_reproductions_have_fixes(tmp_path):
    for code in repros.CODES:
        shutil.copy(repros.script_path(code, fixed=False), tmp_path / f"{code}.py")
    result = run_cli("--no-cache", "--fix-diff", "--unsafe-fixes", ".", cwd=tmp_path)
    changed = sorted(line[len("--- a/"):-len(".py")] for line in result.stdout.splitlines()
                     if line.startswith("--- a/"))
    assert changed == sorted(FIXED_VERDICTS), result.stdout


@pytest.mark.parametrize("code", sorted(FIXED_VERDICTS))
def test_the_fixed_buggy_reproduction_prints_the_fixed_verdict(code, tmp_path):
    script = tmp_path / "repro.py"
    shutil.copy(repros.script_path(code, fixed=False), script)
    fixing = run_cli("--no-cache", "--fix", "--unsafe-fixes", "repro.py", cwd=tmp_path)
    assert (fixing.returncode, fixing.stdout) == (0, ""), fixing.stdout + fixing.stderr
    assert run_cli("--no-cache", "repro.py", cwd=tmp_path).returncode == 0  # nothing left to find
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    assert run.returncode == 0 and re.fullmatch(FIXED_VERDICTS[code], lines[-1]), run.stdout + run.stderr
