"""The pre-commit hook, run for real: ``pre-commit run`` with the README's ``.pre-commit-config.yaml``
(its repository address pointing at a local snapshot, ``rev: <commit>`` filled in) installs pvt-lint from a snapshot of this working tree into pre-commit's own virtualenv
(pip, from the package registry) and runs the ``pvt-lint`` hook on a throwaway git repository.

The snapshot is the files a ``pip install`` of the project needs plus ``.pre-commit-hooks.yaml``,
committed with fixed author and dates, so the same tree gives the same commit and pre-commit reuses
the hook environment it built before. It lives in a cache directory (``PVT_LINT_TEST_CACHE``, by
default ``~/.cache/pvt-lint-tests``), with a PRE_COMMIT_HOME per package content: every test here
shares one hook environment, built once (slow only the first time that content is seen). Snapshots
unused for an hour are removed with their environments. Uncommitted edits are part of the snapshot,
so the tests check the tree as it is on disk, and work the same from a fresh clone.

``pre-commit try-repo`` (which docs/integrations.md shows) is the same clone-install-run, but it always
builds a new environment in a temporary store; it is not run here, to keep to one install.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from helpers import README_EXAMPLE, ROOT, pyproject_urls

pytestmark = pytest.mark.slow

# The first run creates a virtualenv and pip-installs the project and its dependencies.
INSTALL_TIMEOUT = 1200

BUGGY = README_EXAMPLE  # the README's PVT101 example: a child appends, the parent never sees it

CLEAN = BUGGY.replace("multiprocessing", "threading").replace("Process", "Thread")  # a thread shares the list

BUGGY_FINDING = (
    "buggy.py:7:5: PVT101 global `results` is changed by `.append()` in child process target "
    "`worker` (started at line 11); the parent never sees the change"
)

_FIXED_IDENTITY = {
    "GIT_AUTHOR_NAME": "pvt-lint tests",
    "GIT_AUTHOR_EMAIL": "tests@pvt-lint.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "pvt-lint tests",
    "GIT_COMMITTER_EMAIL": "tests@pvt-lint.invalid",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


def _cache_dir() -> Path:
    configured = os.environ.get("PVT_LINT_TEST_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pvt-lint-tests"


def _environment(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(_FIXED_IDENTITY)
    if home is not None:
        env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=_environment(), check=True, capture_output=True, timeout=60)


def _package_files() -> list[Path]:
    """What pre-commit needs from the project: the hook definitions and an installable package."""
    files = [ROOT / ".pre-commit-hooks.yaml", ROOT / "pyproject.toml", ROOT / "README.md"]
    files += [
        path
        for path in sorted((ROOT / "pvt_lint").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in {".pyc", ".pyo"}
    ]
    missing = [str(p) for p in files if not p.is_file()]
    assert not missing, f"files the hook needs are missing: {missing}"
    return files


def _snapshot() -> Path:
    """A git repository holding the package files as they are on disk, one per distinct content."""
    files = _package_files()
    digest = hashlib.sha256()
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        digest.update(relative.encode() + b"\0" + oct(path.stat().st_mode & 0o111).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    snapshots = _cache_dir() / "snapshots"
    final = snapshots / digest.hexdigest()[:20]
    if (final / ".git").is_dir():
        os.utime(final)
        return final
    _prune(snapshots)
    building = snapshots / f".building-{uuid.uuid4().hex}"
    building.mkdir(parents=True)
    for path in files:
        target = building / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    _git("-c", "init.defaultBranch=main", "init", "-q", cwd=building)
    _git("add", "-A", cwd=building)
    _git("commit", "-q", "--no-gpg-sign", "-m", "snapshot of the pvt-lint working tree", cwd=building)
    try:
        building.rename(final)
    except OSError:  # another test run made the same snapshot first
        shutil.rmtree(building, ignore_errors=True)
    return final


def _home(snapshot: Path) -> Path:
    """The PRE_COMMIT_HOME that keeps the hook environment built from ``snapshot``."""
    return _cache_dir() / "pre-commit-homes" / snapshot.name


# Each package content gets its own snapshot and hook environment (~100 MB): drop the ones no
# test run has used for a while, so editing the package does not fill the disk.
_UNUSED_FOR = 3600


def _prune(snapshots: Path) -> None:
    if not snapshots.is_dir():
        return
    now = time.time()
    for old in snapshots.iterdir():
        try:
            unused = now - old.stat().st_mtime > _UNUSED_FOR
        except OSError:
            continue
        if unused:
            shutil.rmtree(_home(old), ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="module")
def hook_repo() -> Path:
    return _snapshot()


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    _git("-c", "init.defaultBranch=main", "init", "-q", cwd=repo)
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    _git("add", "-A", cwd=repo)
    return repo


def _pre_commit(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=cwd,
        env=_environment(home),
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )


def _hook_section(output: str) -> list[str]:
    """The lines pre-commit prints for the hook, from its status line on (dots squeezed)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("pvt-lint..."))
    return [re.sub(r"\.{3,}", "...", line) for line in lines[start:] if line.strip()]


FAILED_SECTION = [
    "pvt-lint...Failed",
    "- hook id: pvt-lint",
    "- exit code: 1",
    BUGGY_FINDING,
    "1 finding in 2 files (0 files skipped)",
]


def documented_config() -> str:
    """The README's ``.pre-commit-config.yaml``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [config] = [block for block in re.findall(r"^```yaml\n(.*?)^```", readme, re.M | re.S) if "id: pvt-lint" in block]
    return config


def test_the_documented_config_names_this_repository_and_a_commit():
    assert documented_config().splitlines()[:3] == [
        "repos:", f"  - repo: {pyproject_urls()['Repository']}",
        "    rev: <commit>  # a full commit hash (see Install), or a release tag vX.Y.Z once there is one",
    ]


def _run_hook(tmp_path: Path, hook_repo: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    """``pre-commit run --all-files`` on a new repository holding ``files`` and the documented config,
    with the snapshot standing in for GitHub and the shared hook environment."""
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, env=_environment(), capture_output=True, text=True, check=True
    ).stdout.strip()
    config = documented_config().replace(pyproject_urls()["Repository"], str(hook_repo)).replace("<commit>", rev)
    repo = _project(tmp_path, {".pre-commit-config.yaml": config, **files})
    return _pre_commit("run", "--all-files", cwd=repo, home=_home(hook_repo))


def test_the_hook_fails_on_a_buggy_file_and_prints_the_finding(tmp_path, hook_repo):
    result = _run_hook(tmp_path, hook_repo, {"buggy.py": BUGGY, "clean.py": CLEAN, "notes.txt": BUGGY})
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    # Both Python files are passed in one command (require_serial); the text file is not.
    assert _hook_section(result.stdout) == FAILED_SECTION, output


def test_the_hook_passes_on_a_clean_repository(tmp_path, hook_repo):
    result = _run_hook(tmp_path, hook_repo, {"clean.py": CLEAN, "notes.txt": BUGGY})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert _hook_section(result.stdout) == ["pvt-lint...Passed"], output


FIXABLE = """import threading
cache = {}


def forget(key):
    if key in cache:
        del cache[key]


for name in ("a", "b"):
    threading.Thread(target=forget, args=(name,)).start()
"""


def test_the_documented_fix_variant_rewrites_the_file_and_pre_commit_reports_it(tmp_path, hook_repo):
    # docs/integrations.md: `args: [--fix]` under the hook.
    documented = (ROOT / "docs" / "integrations.md").read_text(encoding="utf-8")
    assert "        # args: [--fix]                 # apply the safe fixes before reporting\n" in documented
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, env=_environment(), capture_output=True, text=True, check=True
    ).stdout.strip()
    config = (documented_config().replace(pyproject_urls()["Repository"], str(hook_repo)).replace("<commit>", rev)
              + "        args: [--fix]\n")
    repo = _project(tmp_path, {".pre-commit-config.yaml": config, "cache.py": FIXABLE})
    result = _pre_commit("run", "--all-files", cwd=repo, home=_home(hook_repo))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert _hook_section(result.stdout) == [
        "pvt-lint...Failed", "- hook id: pvt-lint", "- files were modified by this hook", "Fixed 1 finding.",
        "0 findings in 1 file (0 files skipped)",
    ], output
    assert (repo / "cache.py").read_text(encoding="utf-8") == FIXABLE.replace(
        "    if key in cache:\n        del cache[key]\n", "    cache.pop(key, None)\n")
    again = _pre_commit("run", "--all-files", cwd=repo, home=_home(hook_repo))
    assert (again.returncode, _hook_section(again.stdout)) == (0, ["pvt-lint...Passed"]), again.stdout + again.stderr
