"""The GitHub Action (action.yml), run as far as a machine without GitHub allows: its steps are read
with a YAML parser and played in order the way a runner plays a composite action. Each ``run:`` step
becomes a real bash script (``bash --noprofile --norc -eo pipefail``, GitHub's ``shell: bash``) after
its ``${{ ... }}`` expressions are replaced: ``github.action_path`` by a copy of this working tree's
package files (what a workflow's ``uses:`` checks out), ``inputs.*`` by the test's values over the
declared defaults, ``steps.<id>.outputs.*`` by what earlier steps wrote to ``$GITHUB_OUTPUT``. A step's
``if:`` is evaluated (the action keeps to ``a == 'b'`` joined by ``&&``; anything else fails here).
The ``uses:`` step (github/codeql-action/upload-sarif) cannot run offline: the test records whether it
would run and with what. The install step really pip-installs pvt-lint into a fresh virtualenv under
a temporary ``$RUNNER_TEMP``, so this module is slow.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from helpers import README_EXAMPLE, ROOT

pytestmark = pytest.mark.slow

INSTALL_TIMEOUT = 1200

BUGGY = README_EXAMPLE  # the README's PVT101 example: a child appends, the parent never sees it

CLEAN = BUGGY.replace("multiprocessing", "threading").replace("Process", "Thread")

BUGGY_FINDING = (
    "buggy.py:7:5: PVT101 global `results` is changed by `.append()` in child process target "
    "`worker` (started at line 11); the parent never sees the change"
)

UPLOAD = "github/codeql-action/upload-sarif@v3"
EXPRESSION = re.compile(r"\$\{\{\s*(?P<name>[\w.-]+)\s*\}\}")
CONDITION = re.compile(r"(?P<name>[\w.-]+)\s*==\s*'(?P<value>[^']*)'")


@dataclass
class Job:
    status: int = 0
    failed_step: str = ""
    log: str = ""
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    uses: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def _action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def _action_checkout(tmp_path: Path) -> Path:
    """What ``uses: pvt-lint/pvt-lint@REV`` checks out, from the tree on disk: the action and an
    installable package (a copy, so the install never writes into the checkout)."""
    checkout = tmp_path / "action"
    checkout.mkdir()
    for name in ("action.yml", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, checkout / name)
    shutil.copytree(ROOT / "pvt_lint", checkout / "pvt_lint", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return checkout


def _resolve(name: str, context: dict[str, str]) -> str:
    assert name in context, f"action.yml uses ${{{{ {name} }}}}, which this test does not provide"
    return context[name]


def _substitute(text: str, context: dict[str, str]) -> str:
    return EXPRESSION.sub(lambda m: _resolve(m.group("name"), context), text)


def _condition(expression: str, context: dict[str, str]) -> bool:
    terms = [term.strip() for term in expression.split("&&")]
    verdicts = []
    for term in terms:
        match = CONDITION.fullmatch(term)
        assert match, f"condition {expression!r} is outside what this test evaluates"
        verdicts.append(context.get(match.group("name"), "") == match.group("value"))
    return all(verdicts)


def _outputs(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return dict(line.split("=", 1) for line in lines if line)


def run_action(tmp_path: Path, workspace: Path, inputs: dict[str, str]) -> Job:
    action = _action()
    declared = action["inputs"]
    assert set(inputs) <= set(declared), f"unknown inputs {set(inputs) - set(declared)}"
    checkout = _action_checkout(tmp_path)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    context = {"github.action_path": str(checkout)}
    context.update({f"inputs.{name}": str(spec.get("default", "")) for name, spec in declared.items()})
    context.update({f"inputs.{name}": value for name, value in inputs.items()})
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "PVT_LINT"))}
    base_env.pop("VIRTUAL_ENV", None)
    base_env.pop("PYTHONPATH", None)
    # `python3` on the runner: here, the interpreter running the tests.
    base_env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), base_env.get("PATH", "")])
    base_env.update({"RUNNER_TEMP": str(runner_temp), "GITHUB_WORKSPACE": str(workspace),
                     "GITHUB_ACTION_PATH": str(checkout)})
    assert action["runs"]["using"] == "composite"
    job = Job()
    for number, step in enumerate(action["runs"]["steps"]):
        if "if" in step and not _condition(step["if"], context):
            continue
        if "uses" in step:
            job.uses.append((step["uses"], {k: _substitute(str(v), context) for k, v in step.get("with", {}).items()}))
            continue
        assert step["shell"] == "bash"
        script = tmp_path / f"step{number}.sh"
        script.write_text(_substitute(step["run"], context), encoding="utf-8")
        output_file = tmp_path / f"step{number}.out"
        env = dict(base_env, GITHUB_OUTPUT=str(output_file))
        env.update({k: _substitute(str(v), context) for k, v in step.get("env", {}).items()})
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                                env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        job.log += result.stdout + result.stderr
        if "id" in step:
            job.outputs[step["id"]] = _outputs(output_file)
            context.update({f"steps.{step['id']}.outputs.{k}": v for k, v in job.outputs[step["id"]].items()})
        if result.returncode != 0:
            job.status, job.failed_step = result.returncode, step["name"]
            break
    return job


def _workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for name, text in files.items():
        (workspace / name).write_text(text, encoding="utf-8")
    return workspace


def _results(sarif: Path) -> list[tuple[str, str, int]]:
    log = json.loads(sarif.read_text(encoding="utf-8"))
    return [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in log["runs"][0]["results"]
    ]


def test_a_finding_is_uploaded_and_fails_the_job_with_status_1(tmp_path):
    workspace = _workspace(tmp_path, {"buggy.py": BUGGY, "clean.py": CLEAN})
    job = run_action(tmp_path, workspace, {})
    assert (job.status, job.failed_step) == (1, "Exit as pvt-lint did"), job.log
    assert job.outputs["lint"] == {"exit-code": "1", "sarif-written": "true"}
    assert _results(workspace / "pvt-lint.sarif") == [("PVT101", "buggy.py", 7)]
    assert job.uses == [(UPLOAD, {"sarif_file": "pvt-lint.sarif", "category": "pvt-lint"})]
    assert BUGGY_FINDING in job.log.splitlines(), job.log


def test_a_clean_project_passes_and_still_uploads(tmp_path):
    workspace = _workspace(tmp_path, {"clean.py": CLEAN})
    job = run_action(tmp_path, workspace, {})
    assert (job.status, job.failed_step) == (0, ""), job.log
    assert job.outputs["lint"] == {"exit-code": "0", "sarif-written": "true"}
    assert _results(workspace / "pvt-lint.sarif") == []
    assert job.uses == [(UPLOAD, {"sarif_file": "pvt-lint.sarif", "category": "pvt-lint"})]


def test_inputs_reach_pvt_lint_and_the_upload_can_be_turned_off(tmp_path):
    """``paths`` and ``args`` are passed to the command (here only PVT2 rules on one directory, so the
    PVT101 in the other is not reported), ``sarif-file`` names the log, ``upload-sarif: false`` skips
    the upload step, and a path that does not exist fails the job with status 2."""
    workspace = _workspace(tmp_path, {"buggy.py": BUGGY})
    (workspace / "src").mkdir()
    (workspace / "src" / "buggy.py").write_text(BUGGY, encoding="utf-8")
    inputs = {"paths": "src missing.py", "args": "--select PVT2 --no-cache", "sarif-file": "report.sarif",
              "upload-sarif": "false"}
    job = run_action(tmp_path, workspace, inputs)
    assert (job.status, job.failed_step) == (2, "Exit as pvt-lint did"), job.log
    assert "pvt-lint: error: missing.py: No such file or directory" in job.log
    assert _results(workspace / "report.sarif") == []
    assert not (workspace / "pvt-lint.sarif").exists()
    assert job.uses == []
