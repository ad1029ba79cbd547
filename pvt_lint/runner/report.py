"""What a run found: every file's findings, what was skipped and why, and the inputs that were not there."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..findings import FileResult, Finding


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0  # files read
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    errors: list[str] = field(default_factory=list)  # inputs that could not be read at all

    def add(self, result: FileResult) -> None:
        self.files += 1
        self.findings.extend(result.findings)
        if result.skipped:
            self.skipped.append((result.path, result.skipped))

    def sort(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.skipped.sort()
