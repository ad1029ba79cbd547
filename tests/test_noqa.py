"""``# noqa`` suppression, applied after analysis, flake8's syntax."""

from pvt_lint.engine import lint_source

BASE = """import multiprocessing
data = []
def worker():
    data.append(1){comment}
multiprocessing.Process(target=worker)
"""


def codes(comment: str) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in lint_source(BASE.format(comment=comment))]


def test_unsuppressed():
    assert codes("") == [(4, "PVT101")]


def test_bare_noqa_suppresses_everything_on_the_line():
    assert codes("  # noqa") == []
    assert codes("  # NOQA") == []


def test_noqa_with_the_code_or_a_prefix():
    assert codes("  # noqa: PVT101") == []
    assert codes("  # noqa: PVT1") == []
    assert codes("  # noqa:PVT101,PVT2") == []
    assert codes("  # noqa: E501, PVT101") == []


def test_noqa_with_other_codes_keeps_the_finding():
    assert codes("  # noqa: PVT2") == [(4, "PVT101")]
    assert codes("  # noqa: E501") == [(4, "PVT101")]


def test_noqa_inside_a_string_is_not_a_comment():
    source = BASE.format(comment="; x = '# noqa'")
    assert [(f.line, f.code) for f in lint_source(source)] == [(4, "PVT101")]


def test_noqa_on_another_line_does_not_apply():
    source = "# noqa\n" + BASE.format(comment="")
    assert [(f.line, f.code) for f in lint_source(source)] == [(5, "PVT101")]
