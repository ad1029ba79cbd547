"""target-version, platforms and requires-python (issue 18 item 7): the settings and their errors, the
start-method matrix the process rules read, and PVT000 naming an interpreter older than the project."""

import json
import sys

import pytest

from pvt_lint.apis import DEFAULT_START_METHODS, default_start_method
from pvt_lint.config import PLATFORMS, Config, ConfigError, lowest_target
from pvt_lint.model.start_methods import default_start_methods

from helpers import run_cli

# PVT101 (line 9), PVT105 (line 9) and PVT102 (line 16): two of them need a child that imports the
# module again, PVT101 holds under every start method.
APP = """import multiprocessing
import sys

results = []
SCALE = 1


def record():
    results.append(SCALE)


def main():
    def child():
        print("hi")

    multiprocessing.Process(target=child).start()
    multiprocessing.Process(target=record).start()


if __name__ == "__main__":
    SCALE = int(sys.argv[1])
    main()
"""

# PVT103: a start at import time fails only in a child that imports the module again.
BOOT = """import multiprocessing


def work():
    pass


multiprocessing.Process(target=work).start()
"""

# PVT106: a connection shared with a child only a fork makes.
STORE = """import multiprocessing
import sqlite3

db = sqlite3.connect("jobs.db")


def record(job):
    db.execute("INSERT INTO done VALUES (?)", (job,))


if __name__ == "__main__":
    db.execute("CREATE TABLE IF NOT EXISTS done (job INTEGER)")
    with multiprocessing.Pool(4) as pool:
        pool.map(record, range(100))
"""

PVT101 = ("src/app.py", 9, "PVT101", "global `results` is changed by `.append()` in child process target `record` "
          "(started at line 17); the parent never sees the change")
PVT102 = ("src/app.py", 16, "PVT102", "nested function `main.child` (defined at line 13) cannot be pickled, and "
          "`multiprocessing.Process` pickles its target under spawn and forkserver")
PVT103 = ("src/boot.py", 8, "PVT103", "`multiprocessing.Process(target=work).st…` starts a process at import "
          "time, outside `if __name__ == \"__main__\":`, and fails in every spawned child")
PVT105 = ("src/app.py", 9, "PVT105", "`SCALE` is set in the parent at line 21 but read by child process target "
          "`record`; under spawn or forkserver it sees the import-time value")
PVT106 = ("src/store.py", 8, "PVT106", "`db` (sqlite3.connect, line 4) is used by `record` in a child process "
          "started at line 14; under fork both processes use one connection")


def project(tmp_path, pyproject: str, **files: str):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "src").mkdir(exist_ok=True)
    for old in (tmp_path / "src").iterdir():
        old.unlink()
    for name, text in (files or {"app": APP, "boot": BOOT, "store": STORE}).items():
        (tmp_path / "src" / f"{name}.py").write_text(text)
    return tmp_path


def findings(tmp_path, *options):
    result = run_cli("--no-cache", "--format", "json", *options, "src", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return sorted((f["path"], f["line"], f["code"], f["message"]) for f in json.loads(result.stdout))


def settings(tmp_path, *options) -> dict:
    result = run_cli("--show-settings", "--format", "json", *options, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def error(tmp_path, *options) -> tuple[int, str]:
    result = run_cli(*options, "src", cwd=tmp_path)
    return result.returncode, result.stderr


LINUX_BELOW_314 = '[project]\nname = "app"\nrequires-python = ">=3.9,<3.14"\n\n[tool.pvt-lint]\nplatforms = ["linux"]\n'
PLAIN = '[project]\nname = "app"\n'


# ---- the settings ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_bad_values_are_one_line_errors(tmp_path):
    path = tmp_path / "pyproject.toml"
    project(tmp_path, '[tool.pvt-lint]\ntarget-version = "py27"\n')
    assert error(tmp_path) == (2, f"pvt-lint: error: {path}: 'target-version' has 'py27', which is not a target "
                                  "version (expected py38, py39, py310, py311, py312, py313, py314)\n")
    project(tmp_path, '[tool.pvt-lint]\nplatforms = ["linux", "bsd"]\n')
    assert error(tmp_path) == (2, f"pvt-lint: error: {path}: 'platforms' has 'bsd', which is not a platform "
                                  "(expected linux, macos, windows)\n")
    project(tmp_path, '[tool.pvt-lint]\nplatforms = "linux"\n')
    assert error(tmp_path) == (2, f"pvt-lint: error: {path}: 'platforms' must be a list of strings\n")
    project(tmp_path, '[tool.pvt-lint]\nplatforms = []\n')
    assert error(tmp_path) == (2, f"pvt-lint: error: {path}: 'platforms' must name at least one platform "
                                  "(linux, macos, windows)\n")
    project(tmp_path, '[project]\nname = "app"\nrequires-python = "3.9"\n\n[tool.pvt-lint]\n')
    assert error(tmp_path) == (2, f"pvt-lint: error: {path}: [project] 'requires-python' has '3.9', which is not "
                                  "a version specifier (expected e.g. '>=3.9,<3.14')\n")
    project(tmp_path, PLAIN)
    assert error(tmp_path, "--target-version", "3.12") == (
        2, "pvt-lint: error: --target-version has '3.12', which is not a target version "
           "(expected py38, py39, py310, py311, py312, py313, py314)\n")
    assert error(tmp_path, "--platform", "linux,solaris") == (
        2, "pvt-lint: error: --platform has 'solaris', which is not a platform (expected linux, macos, windows)\n")


@pytest.mark.slow
def test_requires_python_gives_target_version_and_the_command_line_wins(tmp_path):
    project(tmp_path, LINUX_BELOW_314)
    shown = settings(tmp_path)
    assert (shown["target-version"], shown["platforms"], shown["requires-python"]) == ("py39", ["linux"], ">=3.9,<3.14")
    assert shown["default-start-methods"] == ["fork"]
    shown = settings(tmp_path, "--target-version", "py311", "--platform", "macos", "--platform", "windows,linux")
    assert (shown["target-version"], shown["platforms"]) == ("py311", ["macos", "windows", "linux"])
    assert shown["default-start-methods"] == ["fork", "spawn"]
    project(tmp_path, '[project]\nname = "app"\nrequires-python = ">=3.10"\n\n[tool.pvt-lint]\ntarget-version = "py312"\n')
    shown = settings(tmp_path)
    assert (shown["target-version"], shown["platforms"]) == ("py312", ["linux", "macos", "windows"])
    assert shown["default-start-methods"] == ["fork", "spawn", "forkserver"]
    text = run_cli("--show-settings", cwd=tmp_path).stdout
    assert "target-version = 'py312'\nplatforms = ('linux', 'macos', 'windows')\nrequires-python = '>=3.10'\n" in text


# ---- the matrix in the process rules ---------------------------------------------------------------
@pytest.mark.slow
def test_a_linux_program_below_314_meets_only_fork(tmp_path):
    project(tmp_path, PLAIN)
    assert findings(tmp_path) == sorted([PVT101, PVT102, PVT103, PVT105, PVT106])
    project(tmp_path, LINUX_BELOW_314)
    assert findings(tmp_path) == sorted([PVT101, PVT106])
    # A dispatch that names its start method keeps it.
    spawned = APP.replace("multiprocessing.Process(target=child)", 'multiprocessing.get_context("spawn").Process(target=child)')
    project(tmp_path, LINUX_BELOW_314, app=spawned)
    assert [f[2] for f in findings(tmp_path)] == ["PVT101", "PVT102"]


@pytest.mark.slow
def test_messages_name_the_methods_the_configuration_meets(tmp_path):
    project(tmp_path, PLAIN)
    linux_314 = findings(tmp_path, "--platform", "linux", "--target-version", "py314")
    assert linux_314 == sorted([
        PVT101,
        (*PVT102[:3], PVT102[3].replace("spawn and forkserver", "forkserver")),
        PVT103,
        (*PVT105[:3], PVT105[3].replace("spawn or forkserver", "forkserver")),
    ])


@pytest.mark.slow
def test_windows_silences_no_spawn_rule_and_only_fork_rules(tmp_path):
    project(tmp_path, PLAIN)
    # PVT101, PVT103 and a pool task's PVT102 say nothing that depends on the start method.
    task = APP.replace("multiprocessing.Process(target=child).start()",
                       "multiprocessing.Pool().map(lambda x: x, [1])")
    project(tmp_path, PLAIN, app=task, boot=BOOT)
    default = findings(tmp_path)
    assert {f[2] for f in default} == {"PVT101", "PVT102", "PVT103", "PVT105"}
    windows = findings(tmp_path, "--platform", "windows")
    assert [f for f in windows if f[2] != "PVT105"] == [f for f in default if f[2] != "PVT105"]
    assert [f[3] for f in windows if f[2] == "PVT105"] == [PVT105[3].replace("spawn or forkserver", "spawn")]
    # Windows never forks: a connection made before a default-method pool is not shared.
    project(tmp_path, PLAIN, store=STORE)
    assert findings(tmp_path) == [PVT106]
    assert findings(tmp_path, "--platform", "windows") == []


@pytest.mark.slow
def test_the_cache_is_keyed_by_the_settings(tmp_path):
    project(tmp_path, PLAIN, app=APP)
    cache = str(tmp_path / "cache")
    run = lambda: sorted(f["code"] for f in json.loads(  # noqa: E731
        run_cli("--cache-dir", cache, "--format", "json", "src", cwd=tmp_path).stdout))
    assert run() == ["PVT101", "PVT102", "PVT105"]
    project(tmp_path, LINUX_BELOW_314, app=APP)
    assert run() == ["PVT101"]


# ---- PVT000 ----------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(sys.version_info >= (3, 12), reason="`type X = int` parses on 3.12 and later")
def test_pvt000_names_the_newer_python_the_project_targets(tmp_path):
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    project(tmp_path, '[project]\nname = "app"\nrequires-python = ">=3.12"\n\n[tool.pvt-lint]\n',
            aliases="type X = int\n")
    assert findings(tmp_path) == [("src/aliases.py", 1, "PVT000", (
        f"cannot parse: invalid syntax (the project targets Python 3.12 and this interpreter is {running}: "
        "run pvt-lint on Python 3.12 or newer)"))]
    # Without a newer target, the construct itself is recognised.
    project(tmp_path, PLAIN, aliases="type X = int\n")
    assert findings(tmp_path) == [("src/aliases.py", 1, "PVT000", (
        f"cannot parse: invalid syntax (`type X = ...` statements need Python 3.12 and this interpreter is "
        f"{running}: run pvt-lint on Python 3.12 or newer)"))]
    # An ordinary syntax error says nothing about versions.
    project(tmp_path, PLAIN, aliases="x = (1,\n")
    assert findings(tmp_path) == [("src/aliases.py", 1, "PVT000", "cannot parse: '(' was never closed")]


# ---- the pieces, without the command line -------------------------------------------------------------
def test_the_registry_has_the_matrix_for_every_platform_the_config_names():
    assert tuple(DEFAULT_START_METHODS) == PLATFORMS
    table = {(p, v): default_start_method(p, (3, v)) for p in PLATFORMS for v in (7, 8, 13, 14)}
    assert table == {
        ("linux", 7): "fork", ("linux", 8): "fork", ("linux", 13): "fork", ("linux", 14): "forkserver",
        ("macos", 7): "fork", ("macos", 8): "spawn", ("macos", 13): "spawn", ("macos", 14): "spawn",
        ("windows", 7): "spawn", ("windows", 8): "spawn", ("windows", 13): "spawn", ("windows", 14): "spawn",
    }


@pytest.mark.parametrize("requires, target, versions", [
    (">=3.9", "py39", (9, 10, 11, 12, 13, 14)),
    (">=3.9.2,<3.14", "py39", (9, 10, 11, 12, 13)),
    ("~=3.10", "py310", (10, 11, 12, 13, 14)),
    ("==3.11.*", "py311", (11,)),
    (">=3.8,!=3.12.*", "py38", (8, 9, 10, 11, 13, 14)),
    ("<=3.13", "py38", (8, 9, 10, 11, 12, 13)),
    (">3.13", "py313", (13, 14)),
    (">=3.20", "py314", (14,)),
])
def test_requires_python_gives_the_lowest_version_and_an_upper_bound(requires, target, versions):
    assert lowest_target(requires, "x") == target
    config = Config(target_version=target, requires_python=requires)
    assert config.python_versions() == tuple((3, v) for v in versions)


def test_requires_python_that_admits_nothing_is_an_error():
    with pytest.raises(ConfigError, match="^x has '<3', which admits no Python 3 version$"):
        lowest_target("<3", "x")


@pytest.mark.parametrize("platforms, requires, methods", [
    (PLATFORMS, "", {"fork", "spawn", "forkserver"}),
    (("linux",), "", {"fork", "forkserver"}),
    (("linux",), "<3.14", {"fork"}),
    (("linux", "macos"), "<3.14", {"fork", "spawn"}),
    (("windows",), "", {"spawn"}),
    (("macos",), "", {"spawn"}),
])
def test_default_start_methods_are_the_union_over_platforms_and_versions(platforms, requires, methods):
    assert default_start_methods(Config(platforms=platforms, requires_python=requires)) == methods
