"""Every install command the README and docs/*.md give is run here as written, on a fresh clone.

The commands are taken from the docs' text (fenced blocks and inline code), not copied into this file:
a test fails when the docs give an install command this module does not run. The repository they name
(``[project.urls]`` Repository, https://github.com/...) is not reachable offline, so it is replaced by
the ``file://`` URL of a temporary git repository holding this working tree as it is on disk (one
commit, fixed author and dates), and the placeholder ``<commit>`` by the hash that the documented
``git ls-remote`` command prints for it. Nothing else in a command changes: ``pip install
"git+file:///...@<hash>"`` is the documented ``git+https`` install with the same shape, and ``git
clone file:///...`` the documented clone. Each command runs in bash with a fresh virtualenv first on
PATH (the development set-up makes its own), installing from the package registry, so this is slow.

Not run: the README's test-suite command, which is ``.ci/run`` itself (a fast test below checks that
``.ci/run`` runs exactly that line), and the release-day commands of docs/releasing.md, which act on a
version not yet published.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import BUGGY, ROOT, pyproject_urls, run_cli

INSTALL_TIMEOUT = 1200

DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "releasing.md")]
FENCED = re.compile(r"^```[\w-]*\n(.*?)^```", re.M | re.S)
INLINE = re.compile(r"`([^`\n]+)`")
# How a command sits in a block: a console prompt, a workflow's `- run:` or a GitLab script item.
PREFIX = re.compile(r"^\s*(?:\$\s+|-\s+run:\s+|-\s+)?")
TRAILING_COMMENT = re.compile(r"\s+#\s.*$")
IS_INSTALL = re.compile(r"\bpip install\b|^git clone\b|^git ls-remote\b")

URL = pyproject_urls()["Repository"]
LS_REMOTE = f"git ls-remote {URL} HEAD"
GIT_URL = f'pip install "git+{URL}@<commit>"'
FLAKE8 = f'pip install flake8 "git+{URL}@<commit>"'
SERVER = f'pip install "pvt-lint[server] @ git+{URL}@<commit>"'
CLONE = f"git clone {URL} && pip install ./pvt-lint"
DEVELOP = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]' && pvt-lint fixtures/"
TEST_SUITE = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]' && python -m pytest"

BUGGY_FINDING = (
    "buggy.py:4:5: PVT101 global `data` is changed by `.append()` in child process target `worker` "
    "(started at line 6); the parent never sees the change"
)

_IDENTITY = {
    "GIT_AUTHOR_NAME": "pvt-lint tests", "GIT_AUTHOR_EMAIL": "tests@pvt-lint.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_NAME": "pvt-lint tests",
    "GIT_COMMITTER_EMAIL": "tests@pvt-lint.invalid", "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


def documented_installs() -> dict[str, set[str]]:
    """Each install command in the docs, and the files that give it."""
    found: dict[str, set[str]] = {}
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        candidates = [line for block in FENCED.findall(text) for line in block.splitlines()]
        candidates += INLINE.findall(FENCED.sub("", text))
        for candidate in candidates:
            command = TRAILING_COMMENT.sub("", PREFIX.sub("", candidate)).strip()
            if IS_INSTALL.search(command):
                found.setdefault(command, set()).add(path.name)
    return found


def test_the_docs_give_only_install_commands_this_module_runs():
    """The last two are sentences about a release to come (docs/releasing.md makes them true)."""
    assert documented_installs() == {
        LS_REMOTE: {"README.md", "integrations.md"},
        GIT_URL: {"README.md", "integrations.md"},
        FLAKE8: {"integrations.md"},
        SERVER: {"editors.md"},
        CLONE: {"README.md"},
        DEVELOP: {"README.md"},
        TEST_SUITE: {"README.md"},
        "pip install pvt-lint": {"README.md"},
        "pip install pvt-lint==X.Y.Z": {"integrations.md"},
    }


def test_ci_runs_the_readme_test_command_as_written():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == TEST_SUITE


# ---- running them ------------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PVT_LINT"))}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env.update(_IDENTITY)
    # `python3` as the reader has it: here, the interpreter running the tests.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env or _environment(), capture_output=True, text=True,
                          timeout=INSTALL_TIMEOUT)


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    """The stand-in for the project's repository: the working tree's files (tracked and untracked, not
    ignored) in one commit."""
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    repo = tmp_path_factory.mktemp("origin") / "pvt-lint"
    for name in filter(None, listed.stdout.split("\0")):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    for git in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "--no-gpg-sign", "-m", "snapshot"]):
        result = _run(["git", *git], cwd=repo)
        assert result.returncode == 0, result.stderr
    return repo


def _offline(command: str, origin: Path, commit: str = "") -> str:
    """The documented command with the project's address pointing at ``origin`` and ``<commit>`` filled in."""
    return command.replace(URL, origin.as_uri()).replace("<commit>", commit)


def _bash(command: str, cwd: Path, venv: Path | None = None) -> subprocess.CompletedProcess:
    env = _environment()
    if venv is not None:
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env["PATH"]])
        env["VIRTUAL_ENV"] = str(venv)
    return _run(["bash", "-euo", "pipefail", "-c", command], cwd=cwd, env=env)


def _fresh_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    result = _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return venv


def _commit(origin: Path, tmp_path: Path) -> str:
    result = _bash(_offline(LS_REMOTE, origin), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    commit = result.stdout.split()[0]
    assert commit == _run(["git", "rev-parse", "HEAD"], cwd=origin).stdout.strip()
    return commit


def _lints_the_buggy_module(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "buggy.py").write_text(BUGGY, encoding="utf-8")
    result = _run([str(venv / "bin" / "pvt-lint"), "--no-cache", "--quiet", "buggy.py"], cwd=tmp_path)
    assert (result.returncode, result.stdout) == (1, BUGGY_FINDING + "\n"), result.stderr


@pytest.mark.slow
def test_pip_install_from_the_git_url_at_a_commit(tmp_path, origin):
    venv = _fresh_venv(tmp_path)
    result = _bash(_offline(GIT_URL, origin, _commit(origin, tmp_path)), cwd=tmp_path, venv=venv)
    assert result.returncode == 0, result.stdout + result.stderr
    _lints_the_buggy_module(venv, tmp_path)


@pytest.mark.slow
def test_pip_install_with_flake8_registers_the_plugin(tmp_path, origin):
    venv = _fresh_venv(tmp_path)
    result = _bash(_offline(FLAKE8, origin, _commit(origin, tmp_path)), cwd=tmp_path, venv=venv)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "buggy.py").write_text(BUGGY, encoding="utf-8")
    flake8 = _run([str(venv / "bin" / "flake8"), "--select", "PVT", "buggy.py"], cwd=tmp_path,
                  env=dict(_environment(), PVT_LINT_NO_CACHE="1"))
    assert (flake8.returncode, flake8.stdout) == (1, BUGGY_FINDING + "\n"), flake8.stderr


@pytest.mark.slow
def test_pip_install_with_the_server_extra_runs_the_language_server(tmp_path, origin):
    venv = _fresh_venv(tmp_path)
    # A `name @ url` requirement needs a host in its URL for pip 23's parser, as the documented https URL
    # has: the stand-in repository is named through localhost.
    command = _offline(SERVER, origin, _commit(origin, tmp_path)).replace("file:///", "file://localhost/")
    result = _bash(command, cwd=tmp_path, venv=venv)
    assert result.returncode == 0, result.stdout + result.stderr
    _lints_the_buggy_module(venv, tmp_path)
    # With pygls there, the server starts, meets the end of its input and exits cleanly (without it: exit 2
    # and a message naming the extra).
    server = subprocess.run([str(venv / "bin" / "pvt-lint"), "server"], cwd=tmp_path, env=_environment(),
                            input="", capture_output=True, text=True, timeout=120)
    assert (server.returncode, server.stdout, server.stderr) == (0, "", "")


@pytest.mark.slow
def test_pip_install_from_a_clone(tmp_path, origin):
    venv = _fresh_venv(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    result = _bash(_offline(CLONE, origin), cwd=work, venv=venv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (work / "pvt-lint" / ".git").is_dir()
    _lints_the_buggy_module(venv, tmp_path)


@pytest.mark.slow
def test_the_development_set_up_in_a_fresh_clone_lints_the_fixtures(tmp_path, origin):
    clone = _run(["git", "clone", "-q", origin.as_uri(), str(tmp_path / "clone")], cwd=tmp_path)
    assert clone.returncode == 0, clone.stderr
    result = _bash(DEVELOP, cwd=tmp_path / "clone")
    # The checkout's own CLI on the clone's fixtures (from the clone: `python -m pvt_lint` run from the
    # checkout root drops the checkout from sys.path, and spawned workers then cannot import pvt_lint).
    expected = run_cli("--no-cache", "fixtures/", cwd=tmp_path / "clone")
    assert expected.returncode == 1
    # pip's progress comes first on stdout; the findings and the summary line are pvt-lint's.
    assert result.returncode == 1, result.stderr[-3000:]
    assert result.stdout.endswith("\n" + expected.stdout), result.stdout[-3000:]
    assert result.stderr.splitlines()[-1] == expected.stderr.splitlines()[-1]
