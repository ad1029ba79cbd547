"""PVT301 statically: the bundled reproduction and the rule's own doc examples are judged right."""

import re

from pvt_lint import repros
from pvt_lint.engine import lint_source
from pvt_lint.rules.cpu_bound_work_in_threads import CpuBoundWorkInThreads

from helpers import expected


def found(source: str) -> set[tuple[int, str]]:
    return {(f.line, f.code) for f in lint_source(source, "repro.py")}


def test_buggy_repro_is_flagged_at_the_thread_pool_map():
    source = repros.script_path("PVT301", False).read_text(encoding="utf-8")
    ((line, _),) = expected(source)
    assert "pool.map(crunch" in source.splitlines()[line - 1]
    assert "ThreadPoolExecutor" in source.splitlines()[line - 2]
    assert found(source) == {(line, "PVT301")}


def test_buggy_repro_finding_names_the_function_and_the_alternative():
    source = repros.script_path("PVT301", False).read_text(encoding="utf-8")
    (finding,) = lint_source(source, "repro.py")
    assert finding.severity == "warning"
    loop = next(n for n, text in enumerate(source.splitlines(), 1) if "for i in range(n):" in text)
    assert finding.message == (
        f"`crunch` is pure-Python CPU work (the for loop at line {loop}) sent to threads by "
        "`concurrent.futures.ThreadPoolExecutor.map`; use `concurrent.futures.ProcessPoolExecutor`"
    )
    assert [(r.line, r.message) for r in finding.related] == [(loop, "the for loop that keeps one core busy")]


def test_fixed_repro_is_clean():
    source = repros.script_path("PVT301", True).read_text(encoding="utf-8")
    assert found(source) == set()


def _doc_block(section: str) -> str:
    doc = CpuBoundWorkInThreads.__doc__
    body = doc.split(f"## {section}\n", 1)[1].split("\n    ## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", body, re.S).group(1)
    return "\n".join(line[4:] for line in code.splitlines()) + "\n"


def test_doc_example_is_flagged_and_use_instead_is_clean():
    example, fixed = _doc_block("Example"), _doc_block("Use instead")
    assert {code for _, code in found(example)} == {"PVT301"}
    assert found(fixed) == set()
    compile(example, "example.py", "exec")
    compile(fixed, "fixed.py", "exec")


def test_doc_sections_are_in_order():
    doc = CpuBoundWorkInThreads.__doc__
    sections = re.findall(r"^    ## (.+)$", doc, re.M)
    assert sections == ["What it does", "Why is this bad?", "Example", "Use instead", "Concept",
                        "Reproduction", "Known limitations"]
