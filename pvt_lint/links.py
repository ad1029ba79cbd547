"""Where pvt-lint and its rule and concept pages live on the web.

The one place that says so is ``[project.urls]`` in pyproject.toml; an installed pvt-lint reads it back
from its own metadata (the ``Project-URL`` fields), so a fork that changes pyproject.toml changes every
link in findings, SARIF and ``--explain`` with it.
"""

from __future__ import annotations

from email.message import Message
from importlib import metadata
from typing import Optional

DISTRIBUTION = "pvt-lint"

# Only for a copy of the package with no metadata at all (run from a source tree that was never
# installed, or vendored): the values of [project.urls] in pyproject.toml, which a test pins them to.
URLS_WITHOUT_METADATA = {
    "Repository": "https://github.com/pvt-lint/pvt-lint",
    "Documentation": "https://github.com/pvt-lint/pvt-lint/blob/main/docs",
}


def _installed_metadata() -> Optional[Message]:
    try:
        return metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def project_urls(meta: Optional[Message]) -> dict[str, str]:
    """The labelled URLs of ``meta`` (``Project-URL: Label, url`` lines); a label it lacks, or no
    metadata at all, takes the fallback's value."""
    urls = dict(URLS_WITHOUT_METADATA)
    for entry in (meta.get_all("Project-URL") or []) if meta is not None else []:
        label, _, url = entry.partition(",")
        urls[label.strip()] = url.strip()
    return urls


_URLS = project_urls(_installed_metadata())
PROJECT_URL = _URLS["Repository"]
DOCS_URL = _URLS["Documentation"].rstrip("/")


def rule_url(code: str) -> str:
    return f"{DOCS_URL}/rules/{code}.md"


def concept_url(anchor: str) -> str:
    return f"{DOCS_URL}/concepts.md#{anchor}"
