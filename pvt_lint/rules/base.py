"""What every rule is: a class with a code, a name, examples and a ``check`` over the model."""

from __future__ import annotations

from typing import ClassVar, Optional, Sequence

import libcst as cst

from ..findings import ERROR, Finding, Fix, Related
from ..links import concept_url, rule_url
from ..model import ModuleModel


class Rule(cst.BatchableCSTVisitor):
    """Base class. Subclasses judge the model in ``check``; they may also define ``visit_*``
    methods, which run in the engine's single batched traversal (after the model's collector).
    """

    CODE: ClassVar[str] = ""
    NAME: ClassVar[str] = ""
    MESSAGE: ClassVar[str] = ""
    SEVERITY: ClassVar[str] = ERROR
    CONCEPT: ClassVar[str] = ""  # anchor in docs/concepts.md, e.g. "4-the-global-variable-trap"
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[str]] = ()  # flagged lines end with "# expect: CODE"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.findings: list[Finding] = []

    def check(self, model: ModuleModel) -> None:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    def report(
        self,
        line: int,
        column: int,
        message: str,
        end: Optional[tuple[int, int]] = None,
        related: Sequence[Related] = (),
        fix: Optional[Fix] = None,
    ) -> None:
        end_line, end_column = end if end else (line, column)
        self.findings.append(
            Finding(
                path=self.path,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                code=self.CODE,
                name=self.NAME,
                message=message,
                severity=self.SEVERITY,
                url=rule_url(self.CODE),
                concept_url=concept_url(self.CONCEPT) if self.CONCEPT else "",
                related=tuple(related),
                fix=fix,
            )
        )

    @classmethod
    def summary(cls) -> str:
        """The first line of the docstring."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else cls.NAME
