"""The project's web address is written once, in ``[project.urls]`` of pyproject.toml. The links in
findings (JSON ``url``, ``concept_url``), SARIF (``informationUri``, ``helpUri``) and ``--explain``
come from the installed package's metadata, and the docs' copies of the address are checked against
it here, so none of them can drift from pyproject.toml.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from email.message import Message
from pathlib import Path

from helpers import BUGGY, ROOT, pyproject_urls, run_cli

from pvt_lint import __version__, links

STALE = "(if pyproject.toml changed, reinstall: pip install -e .)"


def _lint_buggy(tmp_path: Path, fmt: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "buggy.py").write_text(BUGGY, encoding="utf-8")
    command = [sys.executable, "-m", "pvt_lint", "--no-cache", "--format", fmt, "buggy.py"]
    if env is None:
        return run_cli(*command[3:], cwd=tmp_path)
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_pyproject_declares_the_project_urls():
    urls = pyproject_urls()
    assert urls["Homepage"] == urls["Repository"]
    assert urls["Documentation"] == urls["Repository"] + "/blob/main/docs"


def test_findings_link_to_the_docs_pyproject_declares(tmp_path):
    urls = pyproject_urls()
    result = _lint_buggy(tmp_path, "json")
    assert result.returncode == 1, result.stderr
    [finding] = json.loads(result.stdout)
    assert finding["url"] == urls["Documentation"] + "/rules/PVT101.md", STALE
    assert finding["concept_url"] == urls["Documentation"] + "/concepts.md#4-the-global-variable-trap", STALE


def test_sarif_links_to_the_project_pyproject_declares(tmp_path):
    urls = pyproject_urls()
    result = _lint_buggy(tmp_path, "sarif")
    assert result.returncode == 1, result.stderr
    driver = json.loads(result.stdout)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == urls["Repository"], STALE
    help_uris = {rule["id"]: rule["helpUri"] for rule in driver["rules"]}
    assert help_uris["PVT101"] == urls["Documentation"] + "/rules/PVT101.md", STALE


def test_explain_links_to_the_docs_pyproject_declares():
    result = run_cli("--explain", "PVT201", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["url"] == pyproject_urls()["Documentation"] + "/rules/PVT201.md", STALE


def test_the_links_come_from_the_installed_metadata(tmp_path):
    """A distribution whose metadata names another address (a fork) is found first on the path: the
    real CLI's links follow its metadata, not a copy in the code."""
    site = tmp_path / "site"
    dist_info = site / f"pvt_lint-{__version__}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: pvt-lint\nVersion: " + __version__ + "\n"
        "Project-URL: Repository, https://git.example.org/fork/pvt-lint\n"
        "Project-URL: Documentation, https://git.example.org/fork/pvt-lint/docs/\n",
        encoding="utf-8",
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    (tmp_path / "work").mkdir()
    result = _lint_buggy(tmp_path / "work", "sarif", env)
    assert result.returncode == 1, result.stderr
    driver = json.loads(result.stdout)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://git.example.org/fork/pvt-lint"
    help_uris = {rule["id"]: rule["helpUri"] for rule in driver["rules"]}
    assert help_uris["PVT101"] == "https://git.example.org/fork/pvt-lint/docs/rules/PVT101.md"


def test_without_metadata_the_fallback_is_what_pyproject_declares():
    urls = pyproject_urls()
    fallback = links.project_urls(None)
    assert {label: fallback[label] for label in ("Repository", "Documentation")} == {
        label: urls[label] for label in ("Repository", "Documentation")
    }
    partial = Message()
    partial["Project-URL"] = "Repository, https://git.example.org/fork/pvt-lint"
    assert links.project_urls(partial) == {
        "Repository": "https://git.example.org/fork/pvt-lint",
        "Documentation": urls["Documentation"],
    }


# Where the docs and the GitHub Action write the project's address.
DOC_FILES = ["README.md", "CONTRIBUTING.md", "action.yml", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]
GITHUB_URL = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+")
USES = re.compile(r"uses:\s*(?P<repo>[\w.-]+/[\w.-]+)@")


def _doc_text(name: str) -> str:
    path = ROOT / name if (ROOT / name).exists() else ROOT / "docs" / name
    return path.read_text(encoding="utf-8")


def test_every_address_of_the_project_in_the_docs_is_the_one_pyproject_declares():
    repository = pyproject_urls()["Repository"]
    owner_name = repository.removeprefix("https://github.com/")
    found = {}
    for name in DOC_FILES:
        text = _doc_text(name)
        for url in GITHUB_URL.findall(text):
            found.setdefault(url.removesuffix(".git"), set()).add(name)
        for match in USES.finditer(text):
            repo = match.group("repo")
            if repo.split("/")[0] not in {"actions", "github"}:
                found.setdefault(f"https://github.com/{repo}", set()).add(name)
    assert set(found) == {repository}, found
    assert found[repository] >= {"README.md", "integrations.md"}, owner_name
