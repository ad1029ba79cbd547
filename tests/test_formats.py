"""CI output formats (github, sarif, gitlab), through the real CLI, on a fixture with findings of
every severity and on a clean file. The JSON report is the reference each format is checked
against, field by field; the fixture's labels pin the JSON report itself.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from pvt_lint import __version__
from pvt_lint.cli import FORMAT_NAMES
from pvt_lint.findings import ERROR, WARNING, Finding, Related
from pvt_lint.links import PROJECT_URL, concept_url, rule_url
from pvt_lint.reporters import FORMATS, github, gitlab, gitlab_fingerprint, sarif
from pvt_lint.rules import all_rules

from helpers import FIXTURES, ROOT, run_cli
from helpers import expected

SEVERITIES = FIXTURES / "mixed" / "severities.py"
CLEAN = FIXTURES / "clean" / "queue_result.py"
SEVERITIES_REL = SEVERITIES.relative_to(ROOT).as_posix()


def render(fmt: str, path: Path, cwd: Path = ROOT):
    result = run_cli("--no-cache", "--format", fmt, str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path), cwd=cwd)
    return result


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    result = render("json", SEVERITIES)
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_every_format_the_cli_offers_is_registered():
    assert set(FORMAT_NAMES) == set(FORMATS)


@pytest.mark.slow
def test_the_fixture_has_a_finding_of_every_severity_any_rule_has(reference):
    assert {(f["line"], f["code"]) for f in reference} == expected(SEVERITIES.read_text(encoding="utf-8"))
    severities = {rule.SEVERITY for rule in all_rules()} | {ERROR}
    assert {f["severity"] for f in reference} == severities
    assert severities == {ERROR, WARNING}


# ---- github ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_github_annotations_for_every_severity(reference):
    result = render("github", SEVERITIES)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"::{f['severity']} file={SEVERITIES_REL},line={f['line']},col={f['column']},"
        f"endLine={f['end_line']},endColumn={f['end_column']},title={f['code']} {f['name']}::{f['message']}"
        for f in reference
    ]
    assert {line.split(" ", 1)[0] for line in result.stdout.splitlines()} == {"::error", "::warning"}


@pytest.mark.slow
def test_github_pvt101_line_exactly():
    result = render("github", FIXTURES / "PVT101" / "global_variable_trap.py")
    assert result.stdout == (
        "::error file=fixtures/PVT101/global_variable_trap.py,line=11,col=5,endLine=11,endColumn=9,"
        "title=PVT101 global-mutated-in-child::global `data` is changed by `.append()` in child process "
        "target `worker` (started at line 16); the parent never sees the change\n"
    )


def test_github_escapes_workflow_command_syntax():
    finding = Finding(
        path="a,b:c%.py", line=3, column=0, end_line=3, end_column=4, code="PVT101", name="n",
        message="100% lost\nsecond line: a, b", severity=WARNING,
    )
    assert github([finding]) == (
        "::warning file=a%2Cb%3Ac%25.py,line=3,col=1,endLine=3,endColumn=5,title=PVT101 n"
        "::100%25 lost%0Asecond line: a, b\n"
    )


@pytest.mark.slow
def test_github_clean_run_prints_nothing():
    result = render("github", CLEAN)
    assert (result.returncode, result.stdout) == (0, "")


# ---- sarif ----------------------------------------------------------------------------------
SARIF_LEVELS = {"none", "note", "warning", "error"}
RULE_IDS = ["PVT000", "PVT001", *(rule.CODE for rule in all_rules())]


def check_sarif_log(log: dict, cwd: Path) -> dict:
    """The properties SARIF 2.1.0 requires, and what pvt-lint promises on top; returns the run."""
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    assert log["version"] == "2.1.0"
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "pvt-lint"
    assert driver["version"] == __version__
    assert driver["informationUri"] == PROJECT_URL
    assert [rule["id"] for rule in driver["rules"]] == RULE_IDS
    for descriptor in driver["rules"]:
        assert set(descriptor) >= {"id", "name", "shortDescription", "fullDescription", "helpUri", "help"}
        assert descriptor["shortDescription"]["text"] and descriptor["fullDescription"]["text"]
        assert descriptor["helpUri"] == rule_url(descriptor["id"])
        assert descriptor["help"]["text"] and descriptor["help"]["markdown"]
        assert descriptor["defaultConfiguration"]["level"] in SARIF_LEVELS
    # The base id names an absolute directory URI, ending in a slash (SARIF 3.14.14).
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": cwd.resolve().as_uri() + "/"}}
    assert run["columnKind"] == "unicodeCodePoints"
    for result in run["results"]:
        assert result["message"]["text"]
        assert result["level"] in SARIF_LEVELS
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        for location in result["locations"]:
            physical = location["physicalLocation"]
            region = physical["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
            assert region["endLine"] >= region["startLine"] and region["endColumn"] >= 1
            artifact = physical["artifactLocation"]
            if "uriBaseId" in artifact:  # then the uri must be relative
                assert not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", artifact["uri"])
    return run


def test_sarif_rules_carry_their_docs_and_concept_link():
    run = check_sarif_log(json.loads(sarif([])), Path.cwd())
    by_id = {d["id"]: d for d in run["tool"]["driver"]["rules"]}
    for rule in all_rules():
        descriptor = by_id[rule.CODE]
        assert descriptor["name"] == rule.NAME
        assert descriptor["shortDescription"]["text"] == rule.summary()
        assert descriptor["defaultConfiguration"]["level"] == rule.SEVERITY
        if rule.CONCEPT:
            assert f"Concept: {concept_url(rule.CONCEPT)}" in descriptor["help"]["text"]
            assert f"]({concept_url(rule.CONCEPT)})" in descriptor["help"]["markdown"]
            assert "](docs/" not in descriptor["help"]["markdown"]


@pytest.mark.slow
def test_sarif_results_for_every_severity(reference):
    result = render("sarif", SEVERITIES)
    assert result.returncode == 1
    run = check_sarif_log(json.loads(result.stdout), ROOT)
    assert [
        (r["ruleId"], r["ruleIndex"], r["level"], r["message"]["text"], r["locations"]) for r in run["results"]
    ] == [
        (
            f["code"],
            RULE_IDS.index(f["code"]),
            f["severity"],
            f["message"],
            [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": SEVERITIES_REL, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f["line"],
                            "startColumn": f["column"],
                            "endLine": f["end_line"],
                            "endColumn": f["end_column"],
                        },
                    }
                }
            ],
        )
        for f in reference
    ]
    assert {r["level"] for r in run["results"]} == {"error", "warning"}
    related = [r.get("relatedLocations") for r in run["results"]]
    assert related == [
        [
            {
                "id": n,
                "physicalLocation": {
                    "artifactLocation": {"uri": SEVERITIES_REL, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": rel["line"], "startColumn": rel["column"]},
                },
                "message": {"text": rel["message"]},
            }
            for n, rel in enumerate(f["related"], start=1)
        ]
        or None
        for f in reference
    ]


@pytest.mark.slow
def test_sarif_clean_run_is_a_valid_empty_log():
    result = render("sarif", CLEAN)
    assert result.returncode == 0
    run = check_sarif_log(json.loads(result.stdout), ROOT)
    assert run["results"] == []


def test_sarif_uris_are_percent_encoded_and_outside_files_absolute(tmp_path, monkeypatch):
    inside = tmp_path / "work"
    inside.mkdir()
    monkeypatch.chdir(inside)
    findings = [
        Finding(path="my dir/a#1.py", line=1, column=0, code="PVT101", message="m"),
        Finding(path=str(tmp_path / "elsewhere.py"), line=2, column=3, code="PVT101", message="m"),
    ]
    run = check_sarif_log(json.loads(sarif(findings)), inside)
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert artifacts == [
        {"uri": "my%20dir/a%231.py", "uriBaseId": "%SRCROOT%"},
        {"uri": (tmp_path / "elsewhere.py").as_uri()},
    ]
    # A finding without an end position gets an empty region at its start.
    assert run["results"][1]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 4, "endLine": 2, "endColumn": 4,
    }


# ---- gitlab ---------------------------------------------------------------------------------
GITLAB_SEVERITY = {ERROR: "major", WARNING: "minor"}


@pytest.mark.slow
def test_gitlab_code_quality_for_every_severity(reference):
    result = render("gitlab", SEVERITIES)
    assert result.returncode == 1
    issues = json.loads(result.stdout)
    lines = SEVERITIES.read_text(encoding="utf-8").splitlines()
    assert issues == [
        {
            "type": "issue",
            "description": f"{f['code']} {f['message']}",
            "check_name": f["code"],
            "fingerprint": hashlib.sha256(
                "\0".join([
                    SEVERITIES_REL,
                    f["code"],
                    re.sub(r"\bline \d+", "line N", f["message"]),
                    lines[f["line"] - 1].strip(),
                ]).encode()
            ).hexdigest(),
            "severity": GITLAB_SEVERITY[f["severity"]],
            "location": {"path": SEVERITIES_REL, "lines": {"begin": f["line"], "end": f["end_line"]}},
        }
        for f in reference
    ]
    assert {i["severity"] for i in issues} == {"major", "minor"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert render("gitlab", SEVERITIES).stdout == result.stdout  # stable across runs


@pytest.mark.slow
def test_gitlab_fingerprint_survives_moved_lines_but_not_edited_ones(tmp_path):
    original = SEVERITIES.read_text(encoding="utf-8")
    (tmp_path / "job.py").write_text(original, encoding="utf-8")
    before = json.loads(run_cli("--format", "gitlab", "job.py", cwd=tmp_path).stdout)
    (tmp_path / "job.py").write_text("# a new first line\n\n" + original, encoding="utf-8")
    moved = json.loads(run_cli("--format", "gitlab", "job.py", cwd=tmp_path).stdout)
    assert [i["location"]["lines"]["begin"] for i in moved] == [i["location"]["lines"]["begin"] + 2 for i in before]
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in before]
    (tmp_path / "job.py").write_text(original.replace("totals.append(n)", "totals.append(n + 0)"), encoding="utf-8")
    edited = json.loads(run_cli("--format", "gitlab", "job.py", cwd=tmp_path).stdout)
    assert [i["fingerprint"] == j["fingerprint"] for i, j in zip(edited, before)] == [
        i["check_name"] != "PVT101" for i in before
    ]


def test_gitlab_identical_findings_on_identical_lines_get_distinct_fingerprints(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "twice.py").write_text("x.append(1)\nx.append(1)\n", encoding="utf-8")
    findings = [Finding(path="twice.py", line=n, column=0, code="PVT101", message="m") for n in (1, 2)]
    issues = json.loads(gitlab(findings))
    assert [i["fingerprint"] for i in issues] == [
        gitlab_fingerprint("twice.py", "PVT101", "m", "x.append(1)"),
        gitlab_fingerprint("twice.py", "PVT101", "m", "x.append(1)", occurrence=1),
    ]
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


@pytest.mark.slow
def test_gitlab_clean_run_is_an_empty_list():
    result = render("gitlab", CLEAN)
    assert (result.returncode, result.stdout) == (0, "[]\n")


def test_reporters_accept_related_locations_without_end_positions():
    finding = Finding(
        path="a.py", line=5, column=2, code="PVT101", message="m", related=(Related(9, 0, "here"),)
    )
    result = json.loads(sarif([finding]))["runs"][0]["results"][0]
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 1}


def test_a_related_location_in_another_file_carries_its_path_in_json_and_sarif():
    here, there = Related(9, 0, "same file"), Related(88, 4, "threads started here", path="pkg/fetch.py")
    own = Related(3, 0, "named but same", path="pkg/store.py")
    finding = Finding(path="pkg/store.py", line=5, column=2, code="PVT201", message="m", related=(here, there, own))
    assert [r for r in finding.to_dict()["related"]] == [
        {"line": 9, "column": 1, "message": "same file"},
        {"line": 88, "column": 5, "message": "threads started here", "path": "pkg/fetch.py"},
        {"line": 3, "column": 1, "message": "named but same"},
    ]
    result = json.loads(sarif([finding]))["runs"][0]["results"][0]
    own_location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    locations = [r["physicalLocation"]["artifactLocation"] for r in result["relatedLocations"]]
    assert locations[0] == own_location == locations[2]
    assert locations[1] == {"uri": "pkg/fetch.py", "uriBaseId": "%SRCROOT%"} != own_location
