"""The result types every part of pvt-lint speaks: a finding at a place in a file, and one file's result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

ERROR = "error"
WARNING = "warning"

# FileResult.failure: the run, not the file, is why a file was not analysed. Such a result says
# nothing lasting about the file, so it is never cached.
INTERNAL_ERROR = "internal error"  # pvt-lint raised on the file: a bug, which costs that file only
WORKER_DIED = "worker died"  # the process analysing it died (a crash in native code, the OOM killer)


@dataclass(frozen=True, order=True)
class Related:
    """A second place that explains a finding, such as the dispatch site of a mutated global."""

    line: int
    column: int
    message: str
    path: Optional[str] = None  # another file's place (project facts); None or "": the finding's own file


SAFE = "safe"  # behaviour is kept, except for the bug
UNSAFE = "unsafe"  # changes behaviour in ways a person should review


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text from (line, column) to (end_line, end_column) with ``content``: 1-based lines,
    0-based columns, as a finding's."""

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True, order=True)
class Fix:
    """What a finding's rule would change: edits of the file, and whether that keeps behaviour."""

    message: str  # one imperative sentence: "Use `cache.pop(key, None)`"
    safety: str  # SAFE or UNSAFE
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict:
        """ruff's JSON form of a fix: 1-based columns, locations as rows and columns."""
        return {
            "applicability": self.safety,
            "message": self.message,
            "edits": [{"content": e.content, "location": {"row": e.line, "column": e.column + 1},
                       "end_location": {"row": e.end_line, "column": e.end_column + 1}} for e in self.edits],
        }


@dataclass(frozen=True, order=True)
class Finding:
    """One problem. ``line`` is 1-based, ``column`` 0-based; reporters convert at the edge."""

    path: str
    line: int
    column: int
    code: str
    message: str
    end_line: int = 0
    end_column: int = 0
    name: str = ""
    severity: str = ERROR
    url: str = ""
    concept_url: str = ""
    related: tuple[Related, ...] = field(default=())
    # Not part of a finding's identity (equality, order): the same problem whatever fix is offered for it.
    fix: Optional[Fix] = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column + 1,
            "end_line": self.end_line or self.line,
            "end_column": (self.end_column if self.end_line else self.column) + 1,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
            "url": self.url,
            "concept_url": self.concept_url,
            "related": [
                # "path" only for a place in another file: output without one stays as it was.
                {"line": r.line, "column": r.column + 1, "message": r.message,
                 **({"path": r.path} if r.path is not None and r.path != self.path else {})}
                for r in self.related
            ],
            "fix": self.fix.to_dict() if self.fix is not None else None,
        }


@dataclass
class FileResult:
    """One file's findings, or why it was not analysed (``skipped``, the sentence users read)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    skipped: Optional[str] = None
    failure: Optional[str] = None  # INTERNAL_ERROR or WORKER_DIED when the run failed on this file
    # For the project stage (engine.analyse with ``module``): the module's ModuleSummary when its model
    # was built, and its import list (dotted names, relative ones resolved) whenever it parsed.
    summary: Optional[object] = None
    summary_text: Optional[str] = None  # a cached summary (JSON) not decoded yet: the project stage decodes it if it needs it
    imports: Optional[tuple[str, ...]] = None
    # What the rules read of the facts the module's own summary implies (model/read_facts.py), when they
    # judged it with those; None when no rule ran or the facts came from the project.
    facts_read: Optional[frozenset] = None
