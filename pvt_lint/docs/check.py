"""What a code's documentation gets wrong: a missing or unknown section, a code block too many, a
concept link that does not land on a heading, a rule without a reproduction."""

from __future__ import annotations

from .parse import CODE_SECTIONS, RuleDoc


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
