"""`pvt-lint --explain CODE` and `pvt-lint --repro CODE [--fixed]` through the real command line.

What the issue promises (every section, a resolving concept link, the expected verdict) is tested in
a subprocess; each reproduction runs there once per variant (they start processes and threads;
PVT301's takes ~2 s). Error paths and output details run the same click command in-process, with
`repros.run` replaced where a failing reproduction is needed.
"""

import json
import re

import pytest
from click.testing import CliRunner

from pvt_lint import cli, docs, repros
from pvt_lint.engine import SYNTAX_CODE
from pvt_lint.links import concept_url, rule_url
from pvt_lint.rules import all_rules

from helpers import ROOT, run_cli

ANCHORS = docs.concept_anchors((ROOT / "docs" / "concepts.md").read_text(encoding="utf-8"))
RULES = [pytest.param(rule, id=rule.CODE) for rule in all_rules()]
ALL_CODES = [SYNTAX_CODE, "PVT001", *(rule.CODE for rule in all_rules())]
CONCEPT_URL = re.compile(re.escape(concept_url("")) + r"(?P<anchor>[\w-]+)")


def invoke(*args):
    """The same click command in-process: (exit code, stdout, stderr)."""
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 always keeps stderr apart
        runner = CliRunner()
    result = runner.invoke(cli.main, list(args))
    return result.exit_code, result.stdout, result.stderr


# ---- --explain ----------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES)
def test_explain_shows_every_section_and_a_concept_link_that_resolves(rule):
    result = run_cli("--explain", rule.CODE)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    title = f"{rule.CODE} {rule.NAME} ({rule.SEVERITY})"
    assert lines[:4] == [title, "=" * len(title), "", rule.summary()]
    for section in docs.SECTIONS:
        assert f"\n{section}\n{'-' * len(section)}\n" in result.stdout, section
    # Plain text: no markdown headings or fences; code blocks indented under their heading.
    assert "```" not in result.stdout and not any(line.startswith("## ") for line in lines)
    example = docs.rule_doc(rule).code_block("Example").splitlines()
    start = lines.index("Example") + 2
    assert lines[start:start + len(example)] == [("    " + line).rstrip() for line in example]
    anchors = {m.group("anchor") for m in CONCEPT_URL.finditer(result.stdout)}
    assert anchors == {rule.CONCEPT}
    assert rule.CONCEPT in ANCHORS
    assert lines[-1] == f"Documentation: {rule_url(rule.CODE)}"


@pytest.mark.slow
def test_explain_pvt000():
    result = run_cli("--explain", SYNTAX_CODE)
    assert result.returncode == 0
    for section in docs.SYNTAX_SECTIONS:
        assert f"\n{section}\n{'-' * len(section)}\n" in result.stdout
    assert '    print "hello", name' in result.stdout
    assert "extend-exclude" in result.stdout  # select/ignore cannot turn PVT000 off


@pytest.mark.parametrize("code", ALL_CODES)
def test_explain_json_gives_the_fields(code):
    exit_code, stdout, stderr = invoke("--explain", code, "--format", "json")
    assert (exit_code, stderr) == (0, "")
    data = json.loads(stdout)
    doc = docs.doc_for(code)
    assert list(data) == ["code", "name", "summary", "severity", "url", "concept_url", "sections"]
    assert (data["code"], data["name"], data["summary"], data["severity"]) == (doc.code, doc.name, doc.summary, doc.severity)
    assert data["url"] == rule_url(code)
    assert tuple(data["sections"]) == doc.expected_sections
    if code in (SYNTAX_CODE, "PVT001"):
        assert data["concept_url"] == ""
    else:
        anchor = CONCEPT_URL.fullmatch(data["concept_url"]).group("anchor")
        assert anchor in ANCHORS
        # Links inside sections are absolute too: JSON is read outside the repository.
        assert f"]({data['concept_url']})" in data["sections"]["Concept"]
        assert "](docs/" not in json.dumps(data["sections"])


def test_explain_accepts_a_lowercase_code():
    assert invoke("--explain", "pvt101") == invoke("--explain", "PVT101")


@pytest.mark.parametrize("option", ["--explain", "--repro"])
@pytest.mark.parametrize("bad", ["PVT999", "PVT1", "", "../../etc/passwd", "pvt_lint/repros/pvt101_buggy.py",
                                 "PVT101/../PVT102", "pvt101_buggy", "PVT101\nPVT102"])
def test_unknown_code_is_a_one_line_error_with_exit_2(option, bad):
    exit_code, stdout, stderr = invoke(option, bad)
    assert (exit_code, stdout) == (2, "")
    assert stderr == f"pvt-lint: error: unknown rule code {bad!r}; known codes: {', '.join(ALL_CODES)}\n"


@pytest.mark.slow
def test_path_like_code_through_the_real_cli():
    result = run_cli("--repro", "../repros/pvt101_buggy.py")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("pvt-lint: error: unknown rule code '../repros/pvt101_buggy.py'; known codes: "
                             + ", ".join(ALL_CODES) + "\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--fixed"], "--fixed only goes with --repro CODE"),
    (["--explain", "PVT101", "--repro", "PVT101"], "use --explain or --repro, not both"),
    (["--explain", "PVT101", "src"], "--explain takes a rule code, not PATHS"),
    (["--explain", "PVT101", "--format", "sarif"], "--explain supports --format text or json, not sarif"),
    (["--repro", SYNTAX_CODE], "PVT000 has no reproduction; `pvt-lint --explain PVT000` describes it"),
    (["--repro", "pvt001"], "PVT001 has no reproduction; `pvt-lint --explain PVT001` describes it"),
])
def test_usage_errors_exit_2(args, message):
    assert invoke(*args) == (2, "", f"pvt-lint: error: {message}\n")


# ---- --repro ------------------------------------------------------------------------------------
def test_every_rule_has_a_reproduction():
    assert sorted(repros.CODES) == sorted(rule.CODE for rule in all_rules())


@pytest.mark.slow
@pytest.mark.parametrize("fixed", [False, True], ids=["buggy", "fixed"])
@pytest.mark.parametrize("code", repros.CODES)
def test_repro_shows_source_and_output_and_ends_with_the_expected_verdict(code, fixed):
    result = run_cli("--repro", code, *(["--fixed"] if fixed else []))
    script = repros.script_path(code, fixed)
    lines = result.stdout.splitlines()
    verdict = lines[-1]
    variant = "fixed" if fixed else "buggy"
    assert lines[0] == f"{code} {docs.doc_for(code).name}: reproduction, {variant} variant"
    assert f"Script: {script}" in lines
    assert script.read_text(encoding="utf-8").rstrip("\n") in result.stdout
    assert lines[-2] == "---- verdict ----"
    if code == "PVT301" and not fixed:
        # A timing, not a behaviour: on one core or a free-threaded build threads can keep up.
        # Whatever it shows, the exit code must agree with the verdict.
        assert verdict.startswith(("reproduced: ", "not reproduced: ")), result.stdout
        assert result.returncode == (0 if verdict.startswith("reproduced: ") else 1), result.stderr
        return
    assert verdict.startswith("fixed: " if fixed else "reproduced: "), result.stdout
    assert (result.returncode, result.stderr) == (0, ""), result.stdout


def _fake_result(code, verdict, ok, fixed=False):
    return repros.ReproResult(code=code, variant="fixed" if fixed else "buggy", source="print('x')\n",
                              output=f"x\n{verdict}\n", returncode=0 if ok else 1, verdict=verdict, ok=ok)


def test_repro_json(monkeypatch):
    monkeypatch.setattr(repros, "run", lambda code, fixed=False, timeout=0: _fake_result(code, "reproduced: yes", True))
    exit_code, stdout, _ = invoke("--repro", "PVT103", "--format", "json")
    assert exit_code == 0
    assert json.loads(stdout) == {
        "code": "PVT103", "name": "process-start-at-import", "variant": "buggy",
        "script": str(repros.script_path("PVT103", False)), "source": "print('x')\n",
        "output": "x\nreproduced: yes\n", "returncode": 0, "verdict": "reproduced: yes", "ok": True,
    }


def test_repro_exits_1_when_the_verdict_is_not_the_expected_one(monkeypatch):
    calls = []

    def fake_run(code, fixed=False, timeout=0):
        calls.append((code, fixed, timeout))
        return _fake_result(code, "not fixed: still broken", ok=False, fixed=fixed)

    monkeypatch.setattr(repros, "run", fake_run)
    exit_code, stdout, stderr = invoke("--repro", "pvt202", "--fixed")
    assert exit_code == 1
    assert calls == [("PVT202", True, docs.REPRO_TIMEOUT)]  # the table's code, never the caller's text
    assert stdout.splitlines()[-3:] == ["", "---- verdict ----", "not fixed: still broken"]
    assert stdout.count("not fixed: still broken") == 1  # the verdict is not printed twice
    assert stderr == "pvt-lint: the fixed PVT202 reproduction did not end with the expected 'fixed:' verdict\n"


def test_repro_timeout_is_reported_as_the_verdict(monkeypatch):
    monkeypatch.setattr(repros, "run", lambda code, fixed=False, timeout=0: repros.ReproResult(
        code=code, variant="buggy", source="", output="started\n", returncode=-9,
        verdict="timed out after 120 s", ok=False))
    exit_code, stdout, _ = invoke("--repro", "PVT101")
    assert exit_code == 1
    lines = stdout.splitlines()
    assert lines[-3:] == ["", "---- verdict ----", "timed out after 120 s"]
    assert "started" in lines and "---- output (exit code -9) ----" in lines
