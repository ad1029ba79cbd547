"""A rule's documentation, parsed from its docstring: the fixed sections, the code blocks, the concept link.

The docstring is the one source. Its first line is the summary; the rest is made of fixed
``## `` sections (ruff's way), in this order: What it does, Why is this bad?, Example, Use instead,
Concept, Reproduction, Known limitations. pvt-lint's own codes, PVT000 and PVT001, which are no rule
classes, are documented here.
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..findings import ERROR, WARNING
from ..links import concept_url, rule_url

REGENERATE = "python -m pvt_lint.docs"

SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Concept",
    "Reproduction",
    "Known limitations",
)
CODE_SECTIONS = ("Example", "Use instead")

# PVT000 and PVT001 are not rule classes (the engine reports them before and after the rules run), so
# their documentation lives here, in the same format minus the two sections they have no use for.
SYNTAX_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Known limitations")
SYNTAX_DOC = '''File that cannot be parsed as Python, so no rule has looked at it.

## What it does
Reports a file that pvt-lint cannot read as Python: a syntax error, bytes that are not valid in the
file's declared encoding (UTF-8 by default), or a null byte. The finding points at the place where
the parser gave up, and its message is the parser's.

## Why is this bad?
pvt-lint reads source code; it never imports or runs it. A file it cannot parse is a file no rule
has checked, so without this finding a clean run would quietly say nothing about it. Python cannot
parse it either: importing the module raises `SyntaxError`, so it is broken for its users too.
Frequent causes are Python 2 code, an unresolved merge conflict (`<<<<<<< HEAD`), and syntax from a
newer Python than the one pvt-lint runs on.

## Example
```python
def greet(name):
    print "hello", name
```

## Use instead
```python
def greet(name):
    print("hello", name)
```

## Known limitations
Only the first syntax error of a file is reported. The grammar is that of the interpreter pvt-lint
runs on: syntax that needs a newer Python (`match` before 3.10, `type X = ...` before 3.12) is
reported as an error, so run pvt-lint with the Python version your project targets. The message says
so when the project's `target-version` (or `requires-python`) is newer than the interpreter, or when
the line holds such syntax (`type X = ...`, `def f[T]`, `except*`, `except A, B:`, `t"..."`). Code that CPython
accepts but libcst's parser rejects is not reported as `PVT000`: the file is skipped with a warning
on stderr instead.
'''

UNUSED_NOQA_DOC = '''`# noqa` comment naming a pvt-lint code that suppresses nothing on its line.

## What it does
Reports a line's `# noqa: PVT...` when a PVT code or prefix it lists matched no finding on that line:
the bug was fixed, the code moved, or the comment names the wrong code. The message lists each such code,
as `unused` when the rule ran and found nothing, or `non-enabled` when `select`, `ignore` or
`per-file-ignores` turned the rule off for the file. It is pvt-lint's version of ruff's `RUF100` and is
off by default: turn it on with `extend-select = ["PVT001"]` (or `--extend-select PVT001`).

## Why is this bad?
A stale `# noqa` hides the next real finding on its line: when the code changes and the bug comes back,
nothing reports it. It also tells readers the line has a concurrency problem that it no longer has.

## Example
```python
import threading

total = 0
lock = threading.Lock()


def add(n):
    global total
    with lock:
        total += n  # noqa: PVT201
```

## Use instead
```python
import threading

total = 0
lock = threading.Lock()


def add(n):
    global total
    with lock:
        total += n
```

## Known limitations
Only comments that name a PVT code are judged. A bare `# noqa` and other tools' codes (`# noqa: E501`)
are never reported, because they may serve flake8 or another linter; ruff, which is the only linter in
its run, reports those too. A file-level `# pvt-lint: noqa` is not judged either. `PVT` and `ALL` in
`select` mean the default rules and leave `PVT001` off; name it (`PVT001`, `PVT00` or `PVT0`) to turn
it on, under flake8 too (`flake8 --extend-select PVT001`).
'''

_SECTION = re.compile(r"^## (?P<title>.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```(?P<lang>[\w+-]*)\s*\n(?P<code>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")
_CONCEPT_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\(docs/concepts\.md#(?P<anchor>[^)\s]+)\)")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")


# ---- parsing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleDoc:
    """One code's documentation, parsed from its docstring."""

    code: str
    name: str
    severity: str
    summary: str
    sections: dict[str, str]  # title -> markdown body, in docstring order
    concept_anchor: str = ""  # the CONCEPT class attribute ("" for PVT000)
    source: str = ""  # where the docstring lives, for the "generated from" comment
    preamble: str = ""  # text between the summary and the first section (a problem if any)
    duplicates: tuple[str, ...] = field(default=())

    @property
    def url(self) -> str:
        return rule_url(self.code)

    @property
    def concept_url(self) -> str:
        return concept_url(self.concept_anchor) if self.concept_anchor else ""

    @property
    def expected_sections(self) -> tuple[str, ...]:
        return SYNTAX_SECTIONS if is_own_code(self.code) else SECTIONS

    def code_block(self, section: str) -> Optional[str]:
        """The one ```python block of ``section``; None unless there is exactly one."""
        blocks = [m.group("code") for m in _FENCE.finditer(self.sections.get(section, ""))
                  if m.group("lang") in ("python", "py")]
        return blocks[0] if len(blocks) == 1 else None

    def concept_links(self) -> list[tuple[str, str]]:
        """(link text, anchor) of every docs/concepts.md link in the Concept section."""
        return [(m.group("text"), m.group("anchor")) for m in _CONCEPT_LINK.finditer(self.sections.get("Concept", ""))]


def syntax_code() -> str:
    from ..engine import SYNTAX_CODE

    return SYNTAX_CODE


def unused_noqa_code() -> str:
    from ..suppress import UNUSED_NOQA_CODE

    return UNUSED_NOQA_CODE


def is_own_code(code: str) -> bool:
    """PVT000 and PVT001: pvt-lint's own codes, which are no rules and have no concept or reproduction."""
    return code in (syntax_code(), unused_noqa_code())


def parse_docstring(doc: str) -> tuple[str, str, dict[str, str], tuple[str, ...]]:
    """(summary, preamble, sections, duplicated titles) of a docstring in the fixed format."""
    lines = (doc or "").strip().splitlines()
    if not lines:
        return "", "", {}, ()
    summary = lines[0].strip()
    body = textwrap.dedent("\n".join(lines[1:])).strip("\n")
    parts = _SECTION.split(_outside_fences_marked(body))
    preamble = _unmark(parts[0]).strip()
    sections: dict[str, str] = {}
    duplicates: list[str] = []
    for i in range(1, len(parts) - 1, 2):
        title, text = parts[i].strip(), _unmark(parts[i + 1]).strip("\n")
        if title in sections:
            duplicates.append(title)
            continue
        sections[title] = textwrap.dedent(text).strip()
    return summary, preamble, sections, tuple(duplicates)


# A "## " line inside a code block is code, not a section: hide it from the splitter.
_HIDDEN = "\x00"


def _outside_fences_marked(text: str) -> str:
    out, inside = [], False
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            inside = not inside
        out.append(_HIDDEN + line if inside and line.startswith("#") else line)
    return "\n".join(out)


def _unmark(text: str) -> str:
    return text.replace(_HIDDEN, "")


def rule_doc(rule) -> RuleDoc:
    summary, preamble, sections, duplicates = parse_docstring(rule.__doc__ or "")
    module = sys.modules.get(rule.__module__)
    source = getattr(module, "__file__", "") or rule.__module__
    return RuleDoc(
        code=rule.CODE, name=rule.NAME, severity=rule.SEVERITY, summary=summary, sections=sections,
        concept_anchor=rule.CONCEPT, source=_package_relative(source), preamble=preamble,
        duplicates=duplicates,
    )


def syntax_doc() -> RuleDoc:
    from ..engine import SYNTAX_CODE, SYNTAX_NAME

    summary, preamble, sections, duplicates = parse_docstring(SYNTAX_DOC)
    return RuleDoc(
        code=SYNTAX_CODE, name=SYNTAX_NAME, severity=ERROR, summary=summary, sections=sections,
        source="pvt_lint/docs/parse.py (SYNTAX_DOC)", preamble=preamble, duplicates=duplicates,
    )


def unused_noqa_doc() -> RuleDoc:
    from ..suppress import UNUSED_NOQA_CODE, UNUSED_NOQA_NAME

    summary, preamble, sections, duplicates = parse_docstring(UNUSED_NOQA_DOC)
    return RuleDoc(
        code=UNUSED_NOQA_CODE, name=UNUSED_NOQA_NAME, severity=WARNING, summary=summary, sections=sections,
        source="pvt_lint/docs/parse.py (UNUSED_NOQA_DOC)", preamble=preamble, duplicates=duplicates,
    )


def all_docs() -> tuple[RuleDoc, ...]:
    """PVT000 and PVT001 first, then every rule, in code order."""
    from ..rules import all_rules

    return (syntax_doc(), unused_noqa_doc(), *(rule_doc(rule) for rule in all_rules()))


def known_codes() -> tuple[str, ...]:
    return tuple(doc.code for doc in all_docs())


def doc_for(code: str) -> Optional[RuleDoc]:
    """The documentation of a known code (case-insensitive), else None. Nothing else is looked up."""
    if not isinstance(code, str):
        return None
    wanted = code.strip().upper()
    for doc in all_docs():
        if doc.code == wanted:
            return doc
    return None


def _package_relative(path: str) -> str:
    parts = Path(path).parts
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("pvt_lint"):]) if "pvt_lint" in parts else path


def concept_anchors(markdown: str) -> dict[str, str]:
    """GitHub's anchors for the headings of a markdown page: {anchor: heading text}.

    GitHub lowercases the heading's text, drops every character that is not a letter, digit,
    space, hyphen or underscore, turns each space into a hyphen, and numbers repeats (-1, -2 ...).
    Lines inside fenced code blocks are not headings.
    """
    anchors: dict[str, str] = {}
    seen: dict[str, int] = {}
    inside = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            inside = not inside
            continue
        match = None if inside else _HEADING.match(line)
        if not match:
            continue
        text = MARKDOWN_LINK.sub(lambda m: m.group("text"), match.group("text")).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors[slug if count == 0 else f"{slug}-{count}"] = text.strip()
    return anchors
