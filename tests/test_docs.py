"""Rule docs come from one source, the docstring: every section is there, every concept link lands on
a heading of docs/concepts.md, the examples are programs the rule judges right, and the generated
files (docs/rules/*.md, the README's rules table) are fresh.
"""

import re
import textwrap

import pytest

from pvt_lint import docs, links, repros
from pvt_lint.engine import SYNTAX_CODE, lint_source
from pvt_lint.rules import all_rules

from helpers import ROOT

CONCEPTS = (ROOT / "docs" / "concepts.md").read_text(encoding="utf-8")
ANCHORS = docs.concept_anchors(CONCEPTS)
RULE_DOCS = [docs.rule_doc(rule) for rule in all_rules()]
ALL_DOCS = [docs.syntax_doc(), *RULE_DOCS]


def by_code(items):
    return [pytest.param(item, id=item.code) for item in items]


# ---- the docstrings -----------------------------------------------------------------------------
@pytest.mark.parametrize("doc", by_code(ALL_DOCS))
def test_docstring_has_every_section_and_a_resolving_concept_link(doc):
    found = docs.problems(doc, ANCHORS, repros.CODES)
    assert found == [], f"{doc.code} ({doc.source}):\n" + "\n".join(found)


def test_every_rule_and_pvt000_is_documented_exactly_once():
    assert [d.code for d in ALL_DOCS] == [SYNTAX_CODE, *sorted(r.CODE for r in all_rules())]
    assert docs.known_codes() == tuple(d.code for d in ALL_DOCS)


@pytest.mark.parametrize("doc", by_code(RULE_DOCS))
def test_rule_docs_have_the_seven_sections_in_order(doc):
    assert tuple(doc.sections) == docs.SECTIONS


def test_pvt000_docs_have_no_concept_or_reproduction():
    assert tuple(docs.syntax_doc().sections) == docs.SYNTAX_SECTIONS
    assert docs.syntax_doc().concept_url == ""


@pytest.mark.parametrize("doc", by_code(RULE_DOCS))
def test_concept_link_is_the_findings_concept_url(doc):
    ((text, anchor),) = doc.concept_links()
    assert anchor in ANCHORS
    assert ANCHORS[anchor] == text
    assert doc.concept_url == links.concept_url(anchor)


def test_the_concepts_page_table_agrees_with_the_rules():
    # docs/concepts.md opens with a hand-written table of rule -> section; it must not drift.
    rows = dict((m.group(1), (m.group(2), m.group(3))) for m in re.finditer(
        r"^\| (PVT\d{3}) \| ([\w-]+) \| \[[^\]]+\]\(#([^)]+)\) \|$", CONCEPTS, re.MULTILINE))
    assert rows == {rule.CODE: (rule.NAME, rule.CONCEPT) for rule in all_rules()}


# ---- what the checks catch (so that a passing check means something) -----------------------------
GOOD = '''Summary sentence.

    ## What it does
    Flags things.

    ## Why is this bad?
    Because.

    ## Example
    ```python
    x = 1
    ```

    ## Use instead
    ```python
    x = 2
    ```

    ## Concept
    [4. The "Global Variable" Trap](docs/concepts.md#4-the-global-variable-trap)

    ## Reproduction
    `pvt-lint --repro PVT101` shows it.

    ## Known limitations
    Some.
    '''


def fake_doc(text, code="PVT101", concept="4-the-global-variable-trap"):
    summary, preamble, sections, duplicates = docs.parse_docstring(text)
    return docs.RuleDoc(code=code, name="fake", severity="error", summary=summary, sections=sections,
                        concept_anchor=concept, preamble=preamble, duplicates=duplicates)


def test_a_complete_docstring_has_no_problems():
    assert docs.problems(fake_doc(GOOD), ANCHORS, ("PVT101",)) == []


@pytest.mark.parametrize(("change", "problem"), [
    (lambda s: s.replace("    ## Known limitations\n    Some.\n", ""), "missing section(s): '## Known limitations'"),
    (lambda s: s.replace("## Why is this bad?", "## Why"), "unknown section(s): '## Why'"),
    (lambda s: s.replace("#4-the-global-variable-trap", "#4-the-global-trap"),
     "concept anchor #4-the-global-trap is not a heading of docs/concepts.md"),
    (lambda s: s.replace('[4. The "Global Variable" Trap]', "[The trap]"),
     "concept link text 'The trap' is not the heading it points at"),
    (lambda s: s.replace("```python\n    x = 2\n    ```", "x = 2"),
     "section '## Use instead' must hold exactly one ```python code block"),
    (lambda s: s.replace("`pvt-lint --repro PVT101` shows it.", "Run the script."),
     "section '## Reproduction' does not say how to run it"),
    (lambda s: s.replace("Summary sentence.\n", "Summary sentence.\n    Stray text.\n"),
     "text between the summary line and the first '## ' section"),
])
def test_a_broken_docstring_is_reported(change, problem):
    found = docs.problems(fake_doc(change(GOOD)), ANCHORS, ("PVT101",))
    assert any(p.startswith(problem) for p in found), found


def test_concept_attribute_and_link_must_agree():
    found = docs.problems(fake_doc(GOOD, concept="8-free-threaded-python"), ANCHORS, ("PVT101",))
    assert found == ["the Concept link #4-the-global-variable-trap and the CONCEPT attribute "
                     "'8-free-threaded-python' differ; findings use CONCEPT for concept_url"]


def test_a_rule_without_a_bundled_repro_is_reported():
    found = docs.problems(fake_doc(GOOD), ANCHORS, ())
    assert found == ["PVT101 has no bundled reproduction in pvt_lint/repros (CODES)"]


def test_a_heading_inside_a_code_block_is_not_a_section():
    text = GOOD.replace("x = 1", "## not a section\n    x = 1")
    assert fake_doc(text).code_block("Example") == "## not a section\nx = 1\n"


def test_github_anchors():
    page = textwrap.dedent("""\
        # Title: `code` and [a link](x.md)
        ## 4. The "Global Variable" Trap
        ## Repeat
        ```
        ## not a heading
        ```
        ## Repeat
        ### Don't panic -- really_
        """)
    assert docs.concept_anchors(page) == {
        "title-code-and-a-link": "Title: code and a link",
        "4-the-global-variable-trap": '4. The "Global Variable" Trap',
        "repeat": "Repeat",
        "repeat-1": "Repeat",
        "dont-panic----really_": "Don't panic -- really_",
    }


# ---- examples are programs ----------------------------------------------------------------------
@pytest.mark.parametrize("doc", by_code(RULE_DOCS))
def test_example_compiles_and_the_rule_fires_on_it(doc):
    source = doc.code_block("Example")
    compile(source, f"{doc.code}-example.py", "exec")  # compiled, never run: it may start processes
    codes = {f.code for f in lint_source(source, "example.py")}
    assert doc.code in codes, f"{doc.code} is silent on its own Example; it found {sorted(codes)}"


@pytest.mark.parametrize("doc", by_code(RULE_DOCS))
def test_use_instead_compiles_and_no_rule_fires_on_it(doc):
    # Every rule, not only the doc's own: a fix we recommend must not be flagged by another rule
    # (PVT201's locked counter once drew PVT301).
    source = doc.code_block("Use instead")
    compile(source, f"{doc.code}-use-instead.py", "exec")
    found = lint_source(source, "use_instead.py")
    assert found == [], f"pvt-lint fires on {doc.code}'s Use instead: {found}"


def test_pvt000_example_does_not_parse_and_its_fix_does():
    doc = docs.syntax_doc()
    with pytest.raises(SyntaxError):
        compile(doc.code_block("Example"), "PVT000-example.py", "exec")
    assert [f.code for f in lint_source(doc.code_block("Example"), "example.py")] == [SYNTAX_CODE]
    compile(doc.code_block("Use instead"), "PVT000-use-instead.py", "exec")
    assert lint_source(doc.code_block("Use instead"), "use_instead.py") == []


@pytest.mark.parametrize("doc", by_code(RULE_DOCS))
def test_findings_link_to_the_rule_page_and_the_concept(doc):
    findings = [f for f in lint_source(doc.code_block("Example"), "example.py") if f.code == doc.code]
    assert {(f.url, f.concept_url) for f in findings} == {(links.rule_url(doc.code), doc.concept_url)}
    assert links.rule_url(doc.code).endswith(f"/docs/rules/{doc.code}.md")
    assert (ROOT / "docs" / "rules" / f"{doc.code}.md").is_file()


def test_pvt000_findings_link_to_its_page():
    (finding,) = lint_source("def f(:\n", "broken.py")
    assert finding.url == links.rule_url(SYNTAX_CODE)
    assert (ROOT / "docs" / "rules" / f"{SYNTAX_CODE}.md").is_file()


# ---- generated files ----------------------------------------------------------------------------
def test_generated_files_are_fresh():
    stale = docs.stale_files(ROOT)
    assert stale == [], f"stale generated docs {stale}: run `{docs.REGENERATE}` and commit the result"


@pytest.mark.parametrize("doc", by_code(ALL_DOCS))
def test_rule_page_says_it_is_generated_and_its_links_resolve(doc):
    page = (ROOT / "docs" / "rules" / f"{doc.code}.md").read_text(encoding="utf-8")
    assert page.splitlines()[0] == f"<!-- generated by `{docs.REGENERATE}` from {doc.source}; do not edit -->"
    for section in doc.sections:
        assert f"\n## {section}\n" in page
    for target in re.findall(r"\]\(([^)]+)\)", page):
        if target.startswith("http"):
            continue
        path, _, anchor = target.partition("#")
        resolved = (ROOT / "docs" / "rules" / path).resolve()
        assert resolved.is_file(), target
        if anchor:
            assert anchor in docs.concept_anchors(resolved.read_text(encoding="utf-8")), target


def test_readme_table_lists_every_rule_with_its_page_and_concept():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(docs.README_START):readme.index(docs.README_END)]
    assert f"generated by `{docs.REGENERATE}`" in block
    rows = re.findall(r"^\| \[(PVT\d{3})\]\(docs/rules/(PVT\d{3})\.md\) \| ([\w-]+) \|.*"
                      r"\]\(docs/concepts\.md#([^)]+)\) \|$", block, re.MULTILINE)
    assert rows == [(r.CODE, r.CODE, r.NAME, r.CONCEPT) for r in all_rules()]


def test_generate_writes_pages_and_the_table_and_check_then_passes(tmp_path):
    (tmp_path / "docs" / "rules").mkdir(parents=True)
    (tmp_path / "docs" / "concepts.md").write_text(CONCEPTS, encoding="utf-8")
    (tmp_path / "README.md").write_text(
        f"# x\n\n{docs.README_START}\nold table\n{docs.README_END}\n\nafter\n", encoding="utf-8")
    # A page left behind by a removed rule goes; a hand-written file in the folder stays.
    (tmp_path / "docs" / "rules" / "PVT199.md").write_text(f"<!-- {docs.GENERATED_MARK} -->\n", encoding="utf-8")
    (tmp_path / "docs" / "rules" / "notes.md").write_text("mine\n", encoding="utf-8")
    assert docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert docs.main(["--root", str(tmp_path)]) == 0
    assert docs.stale_files(tmp_path) == []
    assert docs.main(["--check", "--root", str(tmp_path)]) == 0
    names = sorted(p.name for p in (tmp_path / "docs" / "rules").iterdir())
    assert names == sorted([f"{d.code}.md" for d in ALL_DOCS] + ["notes.md"])
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "old table" not in readme and readme.endswith(f"{docs.README_END}\n\nafter\n")


def test_regenerate_outside_a_checkout_is_an_error(tmp_path, capsys):
    assert docs.main(["--root", str(tmp_path)]) == 2
    assert "is not a pvt-lint source checkout" in capsys.readouterr().err
