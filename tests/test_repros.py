"""The bundled reproductions really run: every buggy script shows its bug, every fixed script its fix.

Each script runs in a child interpreter with a timeout, so a hung child fails a test instead of
hanging the run.
"""

import os
import pathlib
import re
import subprocess
import sys
import textwrap
import time

import pytest

from pvt_lint import repros
from pvt_lint.rules import all_rules

TIMEOUT = 60.0
ALL_CODES = tuple(rule.CODE for rule in all_rules())  # every rule has a repro pair
RACE_FREE_CODES = [code for code in ALL_CODES if code != "PVT301"]
VERDICT_PREFIXES = ("reproduced: ", "fixed: ", "not reproduced: ", "not fixed: ")
TIMINGS = r"threads took \d+\.\d\d s, processes took \d+\.\d\d s \(ratio \d+\.\d\d\)"


def verdict_lines(output):
    return [line for line in output.splitlines() if line.startswith(VERDICT_PREFIXES)]


def assert_ends_with_one_verdict(result):
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert verdict_lines(result.output) == [result.verdict], result.output
    assert lines[-1] == result.verdict, result.output


def test_codes_cover_every_rule_and_every_bundled_script():
    assert repros.CODES == ALL_CODES
    bundled = {p.name for p in pathlib.Path(repros.__file__).parent.glob("*.py")} - {"__init__.py"}
    expected = {f"{code.lower()}_{variant}.py" for code in ALL_CODES for variant in ("buggy", "fixed")}
    assert bundled == expected


@pytest.mark.slow
@pytest.mark.parametrize("code", RACE_FREE_CODES)
def test_buggy_script_reproduces_the_bug(code):
    result = repros.run(code, fixed=False, timeout=TIMEOUT)
    assert (result.code, result.variant, result.returncode) == (code, "buggy", 0), result.output
    assert result.verdict.startswith("reproduced: "), result.output
    assert result.ok
    assert_ends_with_one_verdict(result)
    assert result.source == repros.script_path(code, False).read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("code", RACE_FREE_CODES)
def test_fixed_script_shows_the_fix(code):
    result = repros.run(code, fixed=True, timeout=TIMEOUT)
    assert (result.code, result.variant, result.returncode) == (code, "fixed", 0), result.output
    assert result.verdict.startswith("fixed: "), result.output
    assert result.ok
    assert_ends_with_one_verdict(result)


@pytest.mark.slow
def test_pvt301_buggy_reports_thread_and_process_timings():
    # Timing depends on the machine (cores, load, a free-threaded build): only the report is checked.
    result = repros.run("PVT301", fixed=False, timeout=TIMEOUT)
    assert_ends_with_one_verdict(result)
    assert re.match(rf"(not )?reproduced: {TIMINGS}", result.verdict), result.output
    assert result.returncode == (0 if result.verdict.startswith("reproduced: ") else 1)
    assert result.ok == (result.returncode == 0)


@pytest.mark.slow
def test_pvt301_fixed_reports_process_timing():
    result = repros.run("PVT301", fixed=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.output
    assert_ends_with_one_verdict(result)
    assert re.match(r"fixed: 2 processes ran 2 x crunch\(\d+\), \d+\.\d\d s of CPU in total, in \d+\.\d\d s",
                    result.verdict), result.output
    assert result.ok


@pytest.mark.parametrize("code", ALL_CODES)
def test_script_path_points_into_the_package(code):
    package = pathlib.Path(repros.__file__).resolve().parent
    for fixed, variant in ((False, "buggy"), (True, "fixed")):
        path = repros.script_path(code, fixed)
        assert path.parent == package
        assert path.name == f"{code.lower()}_{variant}.py"
        assert path.is_file()


@pytest.mark.parametrize("bad", [
    "PVT999", "pvt101", "PVT101 ", "PVT1011", "", "../x", "PVT101/../../etc", "../pvt101",
    "/etc/passwd", "PVT101\x00", "PVT101_buggy.py", None, 101,
])
def test_script_path_rejects_anything_but_a_known_code(bad):
    with pytest.raises(KeyError):
        repros.script_path(bad, False)
    with pytest.raises(KeyError):
        repros.run(bad)


@pytest.mark.slow
def test_importing_the_package_or_a_script_runs_nothing():
    # Importing the package must not import the scripts, and importing a script (not as __main__)
    # must print nothing and start no process or thread.
    scripts = [f"pvt_lint.repros.{code.lower()}_{variant}"
               for code in ALL_CODES for variant in ("buggy", "fixed")]
    program = textwrap.dedent(f"""\
        import importlib, multiprocessing, sys, threading
        import pvt_lint.repros
        loaded = sorted(name for name in sys.modules if name.startswith("pvt_lint.repros."))
        for name in {scripts!r}:
            importlib.import_module(name)
        children = len(multiprocessing.active_children())
        sys.stderr.write(f"{{loaded}} {{children}} {{threading.active_count()}}")
        """)
    root = pathlib.Path(repros.__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", program], cwd=root,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "[] 0 1")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")
def test_timeout_kills_the_script_and_what_it_started(tmp_path, monkeypatch):
    pid_file = tmp_path / "grandchild.pid"
    (tmp_path / "pvt101_buggy.py").write_text(textwrap.dedent(f"""\
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        print("started", flush=True)
        time.sleep(600)
        """))
    monkeypatch.setattr(repros, "_HERE", tmp_path)

    start = time.monotonic()
    result = repros.run("PVT101", timeout=2)
    assert time.monotonic() - start < 30
    assert (result.verdict, result.ok, result.output) == ("timed out after 2 s", False, "started\n")
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")  # a zombie is dead, only waiting for whoever adopted it
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
