"""A rule's documentation, from its docstring to every place that shows it.

`parse` reads a docstring into its fixed sections, `check` says what one gets wrong, `render` turns
it into terminal text, JSON, docs/rules/CODE.md and the rules tables, and `write` is
``python -m pvt_lint.docs``, which regenerates the generated files (``--check`` only says whether
they are stale). This package re-exports what the CLI, the reporters and the tests use.
"""

from .check import problems
from .parse import (
    CODE_SECTIONS,
    REGENERATE,
    SECTIONS,
    SYNTAX_DOC,
    SYNTAX_SECTIONS,
    UNUSED_NOQA_DOC,
    RuleDoc,
    all_docs,
    concept_anchors,
    doc_for,
    known_codes,
    parse_docstring,
    rule_doc,
    syntax_doc,
    unused_noqa_doc,
)
from .render import (
    CONCEPTS_END,
    CONCEPTS_START,
    README_END,
    README_START,
    REPRO_TIMEOUT,
    as_dict,
    as_text,
    concepts_table,
    repro_code,
    repro_dict,
    repro_text,
    rule_page,
    rules_table,
)
from .write import GENERATED_MARK, all_problems, expected_files, generate, main, stale_files

__all__ = [
    "CODE_SECTIONS", "CONCEPTS_END", "CONCEPTS_START", "GENERATED_MARK", "README_END", "README_START",
    "REGENERATE", "REPRO_TIMEOUT", "RuleDoc", "SECTIONS", "SYNTAX_DOC", "SYNTAX_SECTIONS", "UNUSED_NOQA_DOC",
    "all_docs",
    "all_problems", "as_dict", "as_text", "concept_anchors", "concepts_table", "doc_for", "expected_files",
    "generate", "known_codes", "main", "parse_docstring", "problems", "repro_code", "repro_dict", "repro_text",
    "rule_doc", "rule_page", "rules_table", "stale_files", "syntax_doc", "unused_noqa_doc",
]
