"""The one result type every part of pvt-lint speaks: a finding at a place in a file."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Related:
    """A second place that explains a finding, such as the dispatch site of a mutated global."""

    line: int
    column: int
    message: str


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
                {"line": r.line, "column": r.column + 1, "message": r.message}
                for r in self.related
            ],
        }
