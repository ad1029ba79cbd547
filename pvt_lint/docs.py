"""A rule's documentation, rendered from its docstring: for the terminal, JSON, docs/rules/ and README.

The docstring is the one source. Its first line is the summary; the rest is made of fixed
``## `` sections (ruff's way), in this order: What it does, Why is this bad?, Example, Use instead,
Concept, Reproduction, Known limitations. `problems` says what a docstring gets wrong, and
``python -m pvt_lint.docs`` regenerates ``docs/rules/*.md`` and the README's rules table
(``--check`` only says whether they are stale).
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .findings import ERROR
from .links import DOCS_URL, concept_url, rule_url

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

# PVT000 is not a rule class (the engine reports it before any rule runs), so its documentation
# lives here, in the same format minus the two sections it has no use for.
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
reported as an error, so run pvt-lint with the Python version your project targets. Code that CPython
accepts but libcst's parser rejects is not reported as `PVT000`: the file is skipped with a warning
on stderr instead.
'''

_SECTION = re.compile(r"^## (?P<title>.+?)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```(?P<lang>[\w+-]*)\s*\n(?P<code>.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")
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
        return SYNTAX_SECTIONS if self.code == syntax_code() else SECTIONS

    def code_block(self, section: str) -> Optional[str]:
        """The one ```python block of ``section``; None unless there is exactly one."""
        blocks = [m.group("code") for m in _FENCE.finditer(self.sections.get(section, ""))
                  if m.group("lang") in ("python", "py")]
        return blocks[0] if len(blocks) == 1 else None

    def concept_links(self) -> list[tuple[str, str]]:
        """(link text, anchor) of every docs/concepts.md link in the Concept section."""
        return [(m.group("text"), m.group("anchor")) for m in _CONCEPT_LINK.finditer(self.sections.get("Concept", ""))]


def syntax_code() -> str:
    from .engine import SYNTAX_CODE

    return SYNTAX_CODE


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
    from .engine import SYNTAX_CODE, SYNTAX_NAME

    summary, preamble, sections, duplicates = parse_docstring(SYNTAX_DOC)
    return RuleDoc(
        code=SYNTAX_CODE, name=SYNTAX_NAME, severity=ERROR, summary=summary, sections=sections,
        source="pvt_lint/docs.py (SYNTAX_DOC)", preamble=preamble, duplicates=duplicates,
    )


def all_docs() -> tuple[RuleDoc, ...]:
    """PVT000 first, then every rule, in code order."""
    from .rules import all_rules

    return (syntax_doc(), *(rule_doc(rule) for rule in all_rules()))


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


# ---- checking -----------------------------------------------------------------------------------
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
        text = _LINK.sub(lambda m: m.group("text"), match.group("text")).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors[slug if count == 0 else f"{slug}-{count}"] = text.strip()
    return anchors


def problems(doc: RuleDoc, anchors: dict[str, str], repro_codes: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a code's documentation, one sentence each; [] when it is complete.

    ``anchors`` are those of docs/concepts.md (`concept_anchors`); ``repro_codes`` the codes that
    have a bundled reproduction.
    """
    out: list[str] = []
    expected = doc.expected_sections
    if not doc.summary:
        out.append("the docstring is missing: its first line is the one-sentence summary")
    elif not doc.summary.endswith("."):
        out.append(f"the summary line {doc.summary!r} is not a sentence ending with '.'")
    if doc.preamble:
        out.append("text between the summary line and the first '## ' section is shown nowhere; "
                   "move it into a section")
    for title in doc.duplicates:
        out.append(f"section '## {title}' appears more than once")
    missing = [t for t in expected if t not in doc.sections]
    if missing:
        out.append("missing section(s): " + ", ".join(f"'## {t}'" for t in missing))
    unknown = [t for t in doc.sections if t not in expected]
    if unknown:
        out.append("unknown section(s): " + ", ".join(f"'## {t}'" for t in unknown)
                   + f"; the sections are: {', '.join(expected)}")
    present = [t for t in doc.sections if t in expected]
    if present != [t for t in expected if t in doc.sections]:
        out.append("sections are out of order; the order is: " + ", ".join(expected))
    for title in expected:
        if title in doc.sections and not doc.sections[title].strip():
            out.append(f"section '## {title}' is empty")
    for title in CODE_SECTIONS:
        if title in doc.sections and doc.code_block(title) is None:
            out.append(f"section '## {title}' must hold exactly one ```python code block")
    if "Concept" in expected and "Concept" in doc.sections:
        out.extend(_concept_problems(doc, anchors))
    if "Reproduction" in expected and "Reproduction" in doc.sections:
        if doc.code not in repro_codes:
            out.append(f"{doc.code} has no bundled reproduction in pvt_lint/repros (CODES)")
        if f"pvt-lint --repro {doc.code}" not in doc.sections["Reproduction"]:
            out.append(f"section '## Reproduction' does not say how to run it (`pvt-lint --repro {doc.code}`)")
    return out


def _concept_problems(doc: RuleDoc, anchors: dict[str, str]) -> list[str]:
    links = doc.concept_links()
    if len(links) != 1:
        return [f"section '## Concept' must hold exactly one link [title](docs/concepts.md#anchor), found {len(links)}"]
    text, anchor = links[0]
    out = []
    if anchor not in anchors:
        out.append(f"concept anchor #{anchor} is not a heading of docs/concepts.md "
                   f"(anchors there: {', '.join(sorted(anchors))})")
    elif text != anchors[anchor]:
        out.append(f"concept link text {text!r} is not the heading it points at ({anchors[anchor]!r})")
    if anchor != doc.concept_anchor:
        out.append(f"the Concept link #{anchor} and the CONCEPT attribute {doc.concept_anchor!r} differ; "
                   "findings use CONCEPT for concept_url")
    return out


# ---- rendering ----------------------------------------------------------------------------------
def _absolute_links(markdown: str) -> str:
    """Repository-relative links (``docs/...``) as web URLs, for output read outside the repository."""
    return _LINK.sub(lambda m: f"[{m.group('text')}]({_absolute(m.group('target'))})", markdown)


def _absolute(target: str) -> str:
    return f"{DOCS_URL}/{target[len('docs/'):]}" if target.startswith("docs/") else target


def _noqa_hint(code: str) -> str:
    if code == syntax_code():
        # config.code_enabled keeps PVT000 on whatever select/ignore say.
        return (f"To silence it, end the reported line with `# noqa: {code}`. `select` and `ignore` do not "
                "turn it off; to stop linting a file that is not meant to parse (a template, Python 2 code), "
                "add it to `extend-exclude` under `[tool.pvt-lint]` in pyproject.toml.")
    return (f"To silence one finding, end its line with `# noqa: {code}`; to turn the check off, add "
            f"`\"{code}\"` to `ignore` under `[tool.pvt-lint]` in pyproject.toml.")


def as_dict(doc: RuleDoc) -> dict:
    """The fields of ``pvt-lint --explain CODE --format json``; links are absolute URLs."""
    return {
        "code": doc.code,
        "name": doc.name,
        "summary": doc.summary,
        "severity": doc.severity,
        "url": doc.url,
        "concept_url": doc.concept_url,
        "sections": {title: _absolute_links(body) for title, body in doc.sections.items()},
    }


def as_text(doc: RuleDoc) -> str:
    """Plain text for the terminal: underlined headings, code indented, fences and link syntax gone."""
    title = f"{doc.code} {doc.name} ({doc.severity})"
    out = [title, "=" * len(title), "", doc.summary, ""]
    for section, body in doc.sections.items():
        out += [section, "-" * len(section), _plain(body), ""]
    out += ["Suppressing", "-----------", textwrap.fill(_noqa_hint(doc.code), 100), ""]
    out.append(f"Documentation: {doc.url}")
    return "\n".join(out) + "\n"


def _plain(markdown: str) -> str:
    lines: list[str] = []
    inside = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
            continue
        if inside:
            lines.append(("    " + line).rstrip())
        else:
            lines.append(_LINK.sub(lambda m: f"{m.group('text')} <{_absolute(m.group('target'))}>", line))
    return "\n".join(lines)


def _generated_comment(doc: RuleDoc) -> str:
    return f"<!-- generated by `{REGENERATE}` from {doc.source}; do not edit -->"


def rule_page(doc: RuleDoc) -> str:
    """docs/rules/CODE.md. Links to docs/... are made relative to docs/rules/."""
    out = [_generated_comment(doc), f"# {doc.code}: {doc.name}", "", doc.summary, "",
           f"Severity: **{doc.severity}**. Explain in the terminal: `pvt-lint --explain {doc.code}`.", ""]
    for section, body in doc.sections.items():
        body = _LINK.sub(lambda m: f"[{m.group('text')}]({_from_rules_dir(m.group('target'))})", body)
        out += [f"## {section}", "", body, ""]
    out += ["## Suppressing", "", _noqa_hint(doc.code), ""]
    return "\n".join(out)


def _from_rules_dir(target: str) -> str:
    return "../" + target[len("docs/"):] if target.startswith("docs/") else target


README_START = "<!-- rules-table-start -->"
README_END = "<!-- rules-table-end -->"


def rules_table(docs: tuple[RuleDoc, ...]) -> str:
    rows = [f"<!-- generated by `{REGENERATE}` from the rule docstrings; do not edit -->",
            "| Code | Name | What it finds | Severity | Concept |",
            "| --- | --- | --- | --- | --- |"]
    for doc in docs:
        if doc.code == syntax_code():
            continue  # the README mentions PVT000 under the table; the table lists the rules
        links = doc.concept_links()
        concept = f"[{links[0][0]}](docs/concepts.md#{links[0][1]})" if len(links) == 1 else ""
        summary = doc.summary.replace("|", "\\|")
        rows.append(f"| [{doc.code}](docs/rules/{doc.code}.md) | {doc.name} | {summary} | {doc.severity} "
                    f"| {concept.replace('|', chr(92) + '|')} |")
    return "\n".join(rows)


def replace_table(readme: str, table: str) -> str:
    start, end = readme.find(README_START), readme.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {README_START} ... {README_END} block")
    return readme[: start + len(README_START)] + "\n" + table + "\n" + readme[end:]


# ---- reproductions ------------------------------------------------------------------------------
REPRO_TIMEOUT = 120.0  # seconds; the slowest bundled script takes about 2 s


def repro_code(code: str) -> Optional[str]:
    """The canonical code if ``code`` names a bundled reproduction, else None.

    The answer is always an entry of the fixed table in `pvt_lint.repros`, never the caller's text.
    """
    from .repros import CODES

    if not isinstance(code, str):
        return None
    wanted = code.strip().upper()
    return next((known for known in CODES if known == wanted), None)


def repro_text(result, name: str, script: str) -> str:
    """A reproduction's source and output for the terminal, ending with its verdict line."""
    title = f"{result.code} {name}: reproduction, {result.variant} variant"
    output = result.output.rstrip("\n")
    if output.splitlines()[-1:] == [result.verdict]:
        output = "\n".join(output.splitlines()[:-1]).rstrip("\n")
    out = [title, "=" * len(title), f"Script: {script}", f"Run it yourself: python {script}", "",
           "---- source ----", result.source.rstrip("\n"), "",
           f"---- output (exit code {result.returncode}) ----"]
    if output:
        out.append(output)
    out += ["", "---- verdict ----", result.verdict]
    return "\n".join(out) + "\n"


def repro_dict(result, name: str, script: str) -> dict:
    return {
        "code": result.code,
        "name": name,
        "variant": result.variant,
        "script": script,
        "source": result.source,
        "output": result.output,
        "returncode": result.returncode,
        "verdict": result.verdict,
        "ok": result.ok,
    }


# ---- generating ---------------------------------------------------------------------------------
GENERATED_MARK = f"generated by `{REGENERATE}`"


def expected_files(root: Path) -> dict[Path, str]:
    """Every generated file under ``root`` and the content it should have."""
    docs = all_docs()
    files = {root / "docs" / "rules" / f"{doc.code}.md": rule_page(doc) for doc in docs}
    readme = root / "README.md"
    files[readme] = replace_table(readme.read_text(encoding="utf-8"), rules_table(docs))
    return files


def obsolete_files(root: Path, expected: dict[Path, str]) -> list[Path]:
    """Generated pages whose code is gone (only files that carry the generated mark)."""
    folder = root / "docs" / "rules"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.md")
                  if p not in expected and GENERATED_MARK in p.read_text(encoding="utf-8"))


def stale_files(root: Path) -> list[str]:
    """Paths (relative to ``root``) that `generate` would create, change or delete."""
    expected = expected_files(root)
    stale = [p for p, text in expected.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    stale += obsolete_files(root, expected)
    return sorted(str(p.relative_to(root)) for p in stale)


def generate(root: Path) -> list[str]:
    """Write every stale generated file; the paths written or deleted, relative to ``root``."""
    expected = expected_files(root)
    changed = []
    for path, text in expected.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(str(path.relative_to(root)))
    for path in obsolete_files(root, expected):
        path.unlink()
        changed.append(str(path.relative_to(root)) + " (deleted)")
    return changed


def all_problems(root: Path) -> list[str]:
    from .repros import CODES

    anchors = concept_anchors((root / "docs" / "concepts.md").read_text(encoding="utf-8"))
    return [f"{doc.code} ({doc.source}): {problem}"
            for doc in all_docs() for problem in problems(doc, anchors, CODES)]


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog=REGENERATE, description="Regenerate docs/rules/*.md and the README's rules table from the rule docstrings.")
    parser.add_argument("--check", action="store_true", help="Change nothing; exit 1 if a generated file is stale.")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="The source checkout (default: the one this package is in).")
    args = parser.parse_args(argv)
    root = args.root
    if not (root / "docs" / "concepts.md").is_file() or not (root / "README.md").is_file():
        print(f"{REGENERATE}: error: {root} is not a pvt-lint source checkout (no docs/concepts.md or README.md)",
              file=sys.stderr)
        return 2
    found = all_problems(root)
    for problem in found:
        print(f"{REGENERATE}: docstring problem: {problem}", file=sys.stderr)
    if args.check:
        stale = stale_files(root)
        for path in stale:
            print(f"stale: {path}")
        if stale:
            print(f"run `{REGENERATE}` to regenerate", file=sys.stderr)
        else:
            print("generated docs are up to date")
        return 1 if stale or found else 0
    changed = generate(root)
    for path in changed:
        print(f"wrote {path}")
    if not changed:
        print("generated docs are up to date")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
