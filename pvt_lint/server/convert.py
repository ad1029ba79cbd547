"""Findings in the protocol's terms: diagnostics, text edits and hover text.

A finding has 1-based lines and 0-based columns counted in characters (code points); the protocol counts
lines from 0 and columns in the position encoding agreed at initialisation (UTF-16 unless the client
offers another). Every place is converted with the text the finding came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Optional, Sequence

from lsprotocol import types
from pygls.uris import from_fs_path

from ..docs import doc_for
from ..findings import WARNING, Edit, Finding, Related

SOURCE = "pvt-lint"


@dataclass(frozen=True)
class Analysed:
    """One version of an open document, the findings it has, and how to place them."""

    uri: str
    path: str
    version: Optional[int]
    text: str
    findings: tuple[Finding, ...]
    project_root: str  # other modules' places in messages are relative to it

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def position(lines: Sequence[str], codec, line: int, column: int) -> types.Position:
    """The protocol position of a 1-based ``line`` and a 0-based character ``column``."""
    index = max(line - 1, 0)
    if index >= len(lines):
        return types.Position(line=index, character=column)
    return types.Position(line=index, character=codec.client_num_units(lines[index][:column]))


def finding_range(finding: Finding, lines: Sequence[str], codec) -> types.Range:
    end_line, end_column = (finding.end_line, finding.end_column) if finding.end_line else (finding.line, finding.column)
    return types.Range(start=position(lines, codec, finding.line, finding.column),
                       end=position(lines, codec, end_line, end_column))


def edit_range(edit: Edit, lines: Sequence[str], codec) -> types.Range:
    return types.Range(start=position(lines, codec, edit.line, edit.column),
                       end=position(lines, codec, edit.end_line, edit.end_column))


def diagnostic(finding: Finding, doc: Analysed, codec) -> types.Diagnostic:
    lines = doc.lines
    related = [_related(r, finding, doc, codec) for r in finding.related]
    return types.Diagnostic(
        range=finding_range(finding, lines, codec),
        message=finding.message,
        severity=types.DiagnosticSeverity.Warning if finding.severity == WARNING else types.DiagnosticSeverity.Error,
        code=finding.code,
        code_description=types.CodeDescription(href=finding.url) if finding.url else None,
        source=SOURCE,
        related_information=related or None,
    )


def _related(place: Related, finding: Finding, doc: Analysed, codec) -> types.DiagnosticRelatedInformation:
    if place.path and place.path != finding.path:
        # Another module's place, named relative to the project root: its text is not at hand here, so
        # its column is given in characters (exact for the ASCII lines nearly all code is written in).
        uri = from_fs_path(str(Path(doc.project_root) / place.path)) or doc.uri
        start = types.Position(line=max(place.line - 1, 0), character=place.column)
    else:
        uri, start = doc.uri, position(doc.lines, codec, place.line, place.column)
    return types.DiagnosticRelatedInformation(location=types.Location(uri=uri, range=types.Range(start=start, end=start)),
                                              message=place.message)


def span(finding: Finding, lines: Sequence[str]) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where a finding can be pointed at, in (0-based line, character) pairs: its range, or for a finding
    that marks a point, the rest of its line."""
    start = (finding.line - 1, finding.column)
    end = (finding.end_line - 1, finding.end_column) if finding.end_line else start
    if end == start:
        end = (start[0], len(lines[start[0]]) if 0 <= start[0] < len(lines) else start[1])
    return start, end


def hover_text(findings: Sequence[Finding]) -> str:
    """Markdown for the findings under the cursor: each rule's summary, the message, the concept link."""
    parts = []
    for finding in findings:
        doc = doc_for(finding.code)
        title = f"**{finding.code}** `{finding.name or (doc.name if doc else '')}`"
        summary = doc.summary if doc is not None else ""
        lines = [f"{title}: {summary}" if summary else title, "", finding.message, ""]
        links = []
        if finding.concept_url:
            titles = {anchor: text for text, anchor in (doc.concept_links() if doc is not None else [])}
            title = titles.get(finding.concept_url.rpartition("#")[2], "the concept")
            links.append(f"Concept: [{title}]({finding.concept_url})")
        if finding.url:
            links.append(f"[{finding.code} documentation]({finding.url})")
        lines.append(" · ".join(links))
        parts.append("\n".join(lines).rstrip())
    return "\n\n---\n\n".join(parts)
