"""How the benchmark scripts run pvt-lint from this repository, and which CLI flags it has today.

pvt-lint is run from the work tree, never from an installed copy: `PYTHON -m pvt_lint` with a snapshot of
the repository's `pvt_lint/` first on PYTHONPATH. The snapshot is taken once at the start, so a run that
lasts minutes measures one version of the code even while others commit to the work tree. The CLI grows
flags over time (`--no-cache`, `--cache-dir`, `--jobs`), so the scripts read `--help` and adapt instead of
failing on a flag that does not exist yet.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# `python -m pvt_lint` needs pvt_lint/__main__.py; this fallback runs the click entry point directly.
_ENTRY_POINT = "import sys; from pvt_lint.cli import main; sys.exit(main())"


@dataclass(frozen=True)
class PvtCommand:
    prefix: tuple[str, ...]
    env: dict[str, str] = field(repr=False)
    flags: frozenset[str]
    version: str

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def argv(self, *args: str) -> list[str]:
        return [*self.prefix, *args]


class PvtUnavailable(Exception):
    """The pvt-lint CLI cannot be run from the repository with the chosen interpreter."""


def tool_env(extra_pythonpath: Path | None = None) -> dict[str, str]:
    """The environment every benchmarked tool gets: ours, without Python start-up hooks of the caller."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME"}}
    env["PYTHONIOENCODING"] = "utf-8"
    if extra_pythonpath is not None:
        env["PYTHONPATH"] = str(extra_pythonpath)
    return env


def detect(python: str, snapshot_dir: Path, repo: Path = REPO) -> PvtCommand:
    """Snapshot `repo/pvt_lint` into `snapshot_dir` and find out how to run its CLI and with which flags."""
    if not (repo / "pvt_lint" / "cli.py").is_file():
        raise PvtUnavailable(f"{repo / 'pvt_lint' / 'cli.py'} does not exist yet")
    version_of_repo = _repo_state(repo)
    shutil.copytree(repo / "pvt_lint", snapshot_dir / "pvt_lint", ignore=shutil.ignore_patterns("__pycache__"))
    env = tool_env(snapshot_dir)
    # Byte-compiled as `pip install` does: with PYTHONDONTWRITEBYTECODE set (as in CI images and this
    # machine) every run would otherwise compile the package again, about 0.4 s of each warm run.
    subprocess.run([python, "-m", "compileall", "-q", str(snapshot_dir / "pvt_lint")], env=env,
                   stdout=subprocess.DEVNULL, check=False)
    errors = []
    for prefix in ((python, "-m", "pvt_lint"), (python, "-c", _ENTRY_POINT)):
        result = subprocess.run(
            [*prefix, "--help"], env=env, cwd=snapshot_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        if result.returncode == 0:
            flags = frozenset(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", result.stdout))
            return PvtCommand(tuple(prefix), env, flags, _version(python, env, snapshot_dir, version_of_repo))
        errors.append(f"$ {' '.join(prefix)} --help -> exit {result.returncode}\n{result.stderr.strip()[-1500:]}")
    raise PvtUnavailable("\n".join(errors))


def _repo_state(repo: Path) -> str:
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--", "pvt_lint"], stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    ).stdout.strip()
    if not commit:
        return "no git"
    return f"{commit}{' +uncommitted pvt_lint/ changes' if dirty else ''}"


def _version(python: str, env: dict[str, str], cwd: Path, repo_state: str) -> str:
    code = (
        "import importlib.metadata as m, pvt_lint; "
        "print(pvt_lint.__version__, m.version('libcst'), pvt_lint.__file__)"
    )
    result = subprocess.run([python, "-c", code], env=env, cwd=cwd, stdout=subprocess.PIPE, text=True)
    pvt_version, libcst_version, imported_from = (result.stdout.split() + ["?", "?", "?"])[:3]
    # An installed (or editable) pvt-lint must not shadow the snapshot.
    if not Path(imported_from).resolve().is_relative_to(cwd.resolve()):
        raise PvtUnavailable(f"`import pvt_lint` under {python} loads {imported_from}, not the snapshot in {cwd}")
    return f"pvt-lint {pvt_version} ({repo_state}), libcst {libcst_version}"
