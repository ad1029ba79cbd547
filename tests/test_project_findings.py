"""Every fixture project (fixtures/projects/<name>/) judged as the runner judges a project: summaries,
the project stage, then the engine on each file with its module's facts. The findings, as
(file, line, code), are exactly the files' ``# expect:`` labels; their messages are in the snapshots
beside the files (tests/test_messages.py)."""

import pytest

from pvt_lint.config import Config
from pvt_lint.engine import analyse
from pvt_lint.model.project_facts import ModuleFacts

from helpers import PROJECTS, expected, project_findings

PROJECT_DIRS = sorted(p for p in PROJECTS.iterdir() if p.is_dir())


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=[p.name for p in PROJECT_DIRS])
def test_project_findings_are_exactly_the_labels(project):
    found = {(f.path, f.line, f.code) for f in project_findings(project)}
    labels = {
        (path.relative_to(project).as_posix(), line, code)
        for path in project.rglob("*.py")
        for line, code in expected(path.read_text(encoding="utf-8"))
    }
    assert found == labels


def test_empty_facts_change_nothing_and_non_empty_facts_open_the_gate():
    source = "import json\n\ndef f():\n    return json.dumps({})\n"
    assert analyse(source, "a.py", Config()) == analyse(source, "a.py", Config(), facts=ModuleFacts.empty("a"))
    assert not ModuleFacts.empty("a")
    assert ModuleFacts("a", program_start_methods=("fork",))


def test_module_path_names_another_module_from_its_import_root():
    from pvt_lint.model.project_facts import module_path

    assert module_path("crawler/run.py", "crawler.run", "crawler.fetcher") == "crawler/fetcher.py"
    assert module_path("src/pkg/__init__.py", "pkg", "pkg.io") == "pkg/io.py"  # as the sites name files
    assert module_path("/tmp/x/crawler/run.py", "crawler.run", "crawler.fetcher") == "crawler/fetcher.py"
    assert module_path("demo.py", "demo", "analysis.compute") == "analysis/compute.py"
    assert module_path("elsewhere.py", "pkg.mod", "pkg.other") == ""


def test_a_worker_module_the_gate_skips_is_judged_with_its_facts():
    project = PROJECTS / "pvt101_cross_module"
    text = (project / "shop" / "tasks.py").read_text(encoding="utf-8")
    assert analyse(text, "shop/tasks.py", Config()).findings == []
    assert [(f.path, f.line, f.code) for f in project_findings(project) if f.path == "shop/tasks.py"] == [
        ("shop/tasks.py", 9, "PVT101")
    ]
