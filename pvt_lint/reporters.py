"""Output formats. The only place where columns become 1-based."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path, PurePath
from typing import Callable, Optional, Sequence
from urllib.parse import quote

from . import __version__
from .findings import ERROR, SAFE, WARNING, Finding
from .links import PROJECT_URL

FORMATS: dict[str, Callable[[Sequence[Finding]], str]] = {}


def reporter(name: str):
    def register(function):
        FORMATS[name] = function
        return function

    return register


@reporter("text")
def text(findings: Sequence[Finding]) -> str:
    """flake8/ruff convention: ``path:line:col: CODE message`` with a 1-based column."""
    return "".join(f"{f.path}:{f.line}:{f.column + 1}: {f.code} {_fixable(f)}{f.message}\n" for f in findings)


def _fixable(finding: Finding) -> str:
    """ruff's mark for a finding ``--fix`` would fix (a safe fix)."""
    return "[*] " if finding.fix is not None and finding.fix.safety == SAFE else ""


def with_source(report: str, findings: Sequence[Finding], source_of: Callable[[str], Optional[str]]) -> str:
    """The text report with each finding's source line under it and a caret at its column, as flake8's
    ``--show-source`` prints them; ``source_of(path)`` is the file's text (None when it cannot be read).
    ``report`` is ``text(findings)``: one line per finding, in order."""
    texts: dict[str, Optional[list[str]]] = {}
    out = []
    for line, finding in zip(report.splitlines(keepends=True), findings):
        out.append(line)
        if finding.path not in texts:
            source = source_of(finding.path)
            texts[finding.path] = source.splitlines() if source is not None else None
        lines = texts[finding.path]
        if lines is None or not 1 <= finding.line <= len(lines):
            continue
        physical = lines[finding.line - 1]
        # Tabs stay tabs, so the caret lands under the column on any terminal (flake8 does the same).
        indent = "".join(c if c.isspace() else " " for c in physical[: finding.column])
        out.append(f"{physical}\n{indent}^\n")
    return "".join(out)


def source_reader(stdin: Optional[str], stdin_data: bytes):
    """path -> its text as Python decodes it (standard input's for the stdin name), None if unreadable."""
    from .engine import decode
    from .runner.rewrite import read_decoded

    def source_of(path: str) -> Optional[str]:
        if stdin is not None and path == stdin:
            text, problem = decode(stdin_data)
            return text if problem is None else None
        read = read_decoded(path)
        return None if isinstance(read, str) else read[1]

    return source_of


def rules_listing(output_format: str) -> str:
    """Every code, pvt-lint's own (PVT000, PVT001) first; PVT001 is marked as off until selected."""
    from .config import OPT_IN
    from .docs import all_docs

    if output_format == "json":
        import json

        rows = [{"code": doc.code, "name": doc.name, "summary": doc.summary, "default": doc.code not in OPT_IN}
                for doc in all_docs()]
        return json.dumps(rows, indent=2) + "\n"
    lines = [f"{doc.code}  {doc.name:<34} {doc.summary}" + (" (off by default)" if doc.code in OPT_IN else "")
             for doc in all_docs()]
    return "\n".join(lines) + "\n"


def settings_listing(config, output_format: str) -> str:
    """--show-settings: the resolved configuration, and the default start methods it comes to."""
    import dataclasses
    import json

    from .apis import START_METHODS
    from .model.start_methods import default_start_methods

    settings = {f.name.replace("_", "-"): getattr(config, f.name) for f in dataclasses.fields(config)}
    met = default_start_methods(config)  # what target-version, requires-python and platforms come to
    settings["default-start-methods"] = tuple(m for m in START_METHODS if m in met)
    if output_format == "json":
        return json.dumps(settings, indent=2) + "\n"
    return "".join(f"{key} = {value!r}\n" for key, value in settings.items())


@reporter("json")
def json_report(findings: Sequence[Finding]) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


@reporter("github")
def github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: annotations on the pull request's diff."""
    lines = []
    for f in findings:
        level = "warning" if f.severity == WARNING else "error"
        props = (
            f"file={_escape_property(f.path)},line={f.line},col={f.column + 1},"
            f"endLine={f.end_line or f.line},endColumn={(f.end_column if f.end_line else f.column) + 1},"
            f"title={_escape_property(f'{f.code} {f.name}')}"
        )
        lines.append(f"::{level} {props}::{_escape_data(f.message)}\n")
    return "".join(lines)


# ---- SARIF 2.1.0 (GitHub code scanning and other SARIF viewers) -----------------------------
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"

_RELATIVE_CONCEPT_LINK = re.compile(r"\]\(docs/concepts\.md#(?P<anchor>[^)]+)\)")


def _descriptor(doc) -> dict:
    """A SARIF reportingDescriptor from a rule's documentation (pvt_lint.docs, the one source)."""
    from .links import concept_url

    what = " ".join(doc.sections.get("What it does", doc.summary).split())
    body = "\n\n".join(f"## {title}\n\n{text}" for title, text in doc.sections.items())
    markdown = _RELATIVE_CONCEPT_LINK.sub(lambda m: f"]({concept_url(m.group('anchor'))})", body)
    text_help = what
    if doc.concept_url:
        text_help += f"\n\nConcept: {doc.concept_url}"
    text_help += f"\n\nDocumentation: {doc.url}"
    descriptor = {
        "id": doc.code,
        "name": doc.name,
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": what},
        "helpUri": doc.url,
        "help": {"text": text_help, "markdown": f"# {doc.code} {doc.name}\n\n{doc.summary}\n\n{markdown}"},
        "defaultConfiguration": {"level": _sarif_level(doc.severity)},
        "properties": {"tags": ["concurrency", doc.name] if doc.concept_anchor else ["syntax"]},
    }
    if doc.concept_url:
        descriptor["properties"]["conceptUri"] = doc.concept_url
    return descriptor


def _sarif_level(severity: str) -> str:
    return "warning" if severity == WARNING else "error"


def _artifact_location(path: str, cwd: str) -> dict:
    """Relative to the working directory under %SRCROOT% when inside it, else an absolute URI."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:  # another drive on Windows
        relative = os.pardir
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return {"uri": Path(absolute).as_uri()}
    return {"uri": quote(PurePath(relative).as_posix(), errors="surrogateescape"), "uriBaseId": SRCROOT}


def _region(f: Finding) -> dict:
    # SARIF columns are 1-based and endColumn points just past the region, as ours does.
    return {
        "startLine": f.line,
        "startColumn": f.column + 1,
        "endLine": f.end_line or f.line,
        "endColumn": (f.end_column if f.end_line else f.column) + 1,
    }


def _sarif_fix(f: Finding, location: dict) -> dict:
    """A SARIF fix: each edit a replacement of a region; the safety goes in the description."""
    return {
        "description": {"text": f"{f.fix.message} ({f.fix.safety} fix)"},
        "artifactChanges": [{
            "artifactLocation": location,
            "replacements": [{
                "deletedRegion": {"startLine": e.line, "startColumn": e.column + 1, "endLine": e.end_line,
                                  "endColumn": e.end_column + 1},
                "insertedContent": {"text": e.content},
            } for e in f.fix.edits],
        }],
    }


def _in_own_file(related, finding: Finding) -> bool:
    return not related.path or related.path == finding.path


@reporter("sarif")
def sarif(findings: Sequence[Finding]) -> str:
    from .docs import all_docs

    cwd = os.getcwd()
    descriptors = [_descriptor(doc) for doc in all_docs()]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for f in findings:
        location = _artifact_location(f.path, cwd)
        result: dict = {"ruleId": f.code}
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        result["level"] = _sarif_level(f.severity)
        result["message"] = {"text": f.message}
        result["locations"] = [{"physicalLocation": {"artifactLocation": location, "region": _region(f)}}]
        if f.related:
            result["relatedLocations"] = [
                {
                    "id": number,
                    "physicalLocation": {
                        # A place in another file (the project stage's facts) has its own artifact.
                        "artifactLocation": location if _in_own_file(r, f) else _artifact_location(r.path, cwd),
                        "region": {"startLine": r.line, "startColumn": r.column + 1},
                    },
                    "message": {"text": r.message},
                }
                for number, r in enumerate(f.related, start=1)
            ]
        if f.fix is not None:
            result["fixes"] = [_sarif_fix(f, location)]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pvt-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": Path(cwd).as_uri().rstrip("/") + "/"}},
                # Our columns count characters, not the UTF-16 code units SARIF assumes by default.
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


# ---- GitLab Code Quality (merge request widget) ---------------------------------------------
GITLAB_SEVERITY = {ERROR: "major", WARNING: "minor"}
_QUOTED_LINE = re.compile(r"\bline \d+")


def _line_text(path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            data = b""
        cache[path] = data.decode("utf-8", errors="replace").splitlines()
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def gitlab_fingerprint(path: str, code: str, message: str, line_text: str, occurrence: int = 0) -> str:
    """Stable across runs and across edits that move the line: no line number goes in, not even
    the ones a message quotes ("started at line 16"). ``occurrence`` tells apart identical
    findings on identical lines of one file.
    """
    message = _QUOTED_LINE.sub("line N", message)
    parts = [PurePath(path).as_posix(), code, message, line_text.strip()]
    if occurrence:
        parts.append(str(occurrence))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


@reporter("gitlab")
def gitlab(findings: Sequence[Finding]) -> str:
    cwd = os.getcwd()
    cache: dict[str, list[str]] = {}
    seen: Counter = Counter()
    issues = []
    for f in findings:
        path = _relative_path(f.path, cwd)
        line_text = _line_text(f.path, f.line, cache)
        key = (path, f.code, f.message, line_text.strip())
        occurrence = seen[key]
        seen[key] += 1
        issues.append(
            {
                "type": "issue",
                "description": f"{f.code} {f.message}",
                "check_name": f.code,
                "fingerprint": gitlab_fingerprint(path, f.code, f.message, line_text, occurrence),
                "severity": GITLAB_SEVERITY.get(f.severity, "major"),
                "location": {"path": path, "lines": {"begin": f.line, "end": f.end_line or f.line}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"


def _relative_path(path: str, cwd: str) -> str:
    """Relative to the working directory (GitLab wants repository-relative paths) when inside it."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, cwd)
    except ValueError:
        return PurePath(absolute).as_posix()
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return PurePath(absolute).as_posix()
    return PurePath(relative).as_posix()


def statistics(findings: Sequence[Finding], output_format: str = "text") -> str:
    counts = Counter((f.code, f.name) for f in findings)
    if output_format == "json":  # ruff's shape: one object per code
        rows = [{"code": code, "name": name, "count": n} for (code, name), n in sorted(counts.items())]
        return json.dumps(rows, indent=2) + "\n"
    return "".join(f"{n:<5} {code} {name}\n" for (code, name), n in sorted(counts.items()))
