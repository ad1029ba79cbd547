"""The language server's parts, in this process (the fast tier): a buffer judged as the CLI judges the
file, the editor's settings, positions in the client's encoding, the command's arguments and a missing
pygls, and that only the server imports pygls. tests/test_server.py drives the real server."""

from __future__ import annotations

import ast
import gc
import os
import shutil
import sys
from pathlib import Path

import pytest

from helpers import BUGGY, FIXTURES, ROOT
from pvt_lint.config import Config
from pvt_lint.runner import lint_paths
from pvt_lint.reparse import Reparser
from pvt_lint.runner.buffer import lint_buffer
from pvt_lint.runner.project.rounds import forget_project_runs

CROSS = FIXTURES / "projects" / "pvt101_cross_module"


@pytest.fixture
def shop(tmp_path: Path):
    root = tmp_path / "shop_project"
    shutil.copytree(CROSS, root)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    yield root
    forget_project_runs()


def _places(findings) -> list[tuple]:
    return [(f.line, f.column, f.code, f.message) for f in findings]


def test_a_saved_buffer_has_the_clis_findings(shop: Path):
    tasks = shop / "shop" / "tasks.py"
    config = Config(root=str(shop))
    cli = lint_paths([str(tasks)], config).findings
    assert _places(cli) == [(9, 4, "PVT101", "global `PRICED` is changed by `.append()` in child process target "
                             "`price` (sent to a child at shop/main.py:12); the parent never sees the change")]
    assert _places(lint_buffer(tasks.read_text(), str(tasks), config).findings) == _places(cli)


def test_an_unsaved_buffer_is_judged_with_the_other_modules_facts(shop: Path):
    tasks = shop / "shop" / "tasks.py"
    config = Config(root=str(shop))
    typed = "import os\n\n\n" + tasks.read_text()
    (finding,) = lint_buffer(typed, str(tasks), config).findings
    assert (finding.line, finding.column, finding.code) == (12, 4, "PVT101")
    # Without main.py's pool the same text has nothing: the finding comes from the other module.
    assert lint_buffer(typed, str(shop / "shop" / "alone.py"), config).findings == []


def test_a_buffer_whose_gate_finds_nothing_still_gets_the_facts_of_other_modules(shop: Path):
    # tasks.py names no process API: the gate skips it, and only main.py's facts bring PVT101.
    tasks = shop / "shop" / "tasks.py"
    typed = tasks.read_text().replace("PRICED.append(total)", "PRICED.append(total)  # still mutated")
    (finding,) = lint_buffer(typed, str(tasks), Config(root=str(shop))).findings
    assert (finding.line, finding.code) == (9, "PVT101")


def test_a_file_not_saved_yet_is_judged_alone(tmp_path: Path):
    (finding,) = lint_buffer(BUGGY, str(tmp_path / "new.py"), Config(root=str(tmp_path))).findings
    assert (finding.line, finding.column, finding.code) == (4, 4, "PVT101")


def test_a_buffer_over_max_file_size_is_skipped(tmp_path: Path):
    result = lint_buffer(BUGGY, str(tmp_path / "big.py"), Config(root=str(tmp_path), max_file_size=10))
    assert (result.findings, result.skipped) == ([], f"larger than max-file-size ({len(BUGGY)} > 10)")


# ---- the parts that need pygls ----------------------------------------------------------------------
def test_the_editors_settings():
    pytest.importorskip("pygls")
    from pvt_lint.server.settings import EditorSettings, editor_settings

    assert editor_settings({"pvt-lint": {"select": "pvt1, PVT2", "extendSelect": ["PVT001"], "ignore": ["PVT101"]}}) == (
        EditorSettings(select=("PVT1", "PVT2"), extend_select=("PVT001",), ignore=("PVT101",)), [])
    assert editor_settings({"ignore": "PVT3"}) == (EditorSettings(ignore=("PVT3",)), [])
    assert editor_settings(None) == (EditorSettings(), [])
    assert editor_settings({"select": ["PVT1", 2], "ignore": ["XYZ"]}) == (EditorSettings(), [
        "setting 'select' must be a list of codes or a comma-separated string; it is left out",
        "setting 'ignore' has 'XYZ', which is not a rule code or prefix (expected PVT, PVT1, PVT101, ...); "
        "the setting is left out",
    ])
    config = EditorSettings(select=("PVT2",), extend_select=("PVT001",), ignore=("PVT201",)).applied_to(
        Config(select=("PVT",), ignore=("PVT301",)))
    assert (config.select, config.ignore) == (("PVT2", "PVT001"), ("PVT301", "PVT201"))


def test_a_broken_pyproject_gives_the_defaults_and_says_why(tmp_path: Path):
    pytest.importorskip("pygls")
    from pvt_lint.server.settings import Settings

    (tmp_path / "pyproject.toml").write_text("[tool.pvt-lint]\nselect = 3\n")
    config, problem = Settings().config_for(str(tmp_path / "a.py"))
    assert (config.select, config.ignore) == (("PVT",), ())
    assert problem.startswith(f"{tmp_path / 'pyproject.toml'}: ") and "select" in problem


def test_positions_are_counted_in_the_clients_encoding():
    pytest.importorskip("pygls")
    from lsprotocol.types import PositionEncodingKind
    from pygls.workspace.position_codec import PositionCodec

    from pvt_lint.server.convert import position

    lines = ['x = "é😀"; hits += 1']
    column = lines[0].index("hits")  # 10 characters; é is 1 UTF-16 unit and 2 UTF-8 bytes, 😀 2 units and 4 bytes
    utf16 = position(lines, PositionCodec(PositionEncodingKind.Utf16), 1, column)
    utf32 = position(lines, PositionCodec(PositionEncodingKind.Utf32), 1, column)
    utf8 = position(lines, PositionCodec(PositionEncodingKind.Utf8), 1, column)
    assert [(p.line, p.character) for p in (utf16, utf32, utf8)] == [(0, 11), (0, 10), (0, 14)]


def test_the_command_takes_no_arguments(capsys):
    pytest.importorskip("pygls")
    from pvt_lint.server import main

    assert main(["--stdio"]) == 2
    assert capsys.readouterr().err == "pvt-lint: error: `pvt-lint server` takes no arguments, not '--stdio'\n"
    assert main(["--help"]) == 0
    assert capsys.readouterr().out.startswith("Usage: pvt-lint server\n")


def test_without_pygls_the_command_names_the_extra(monkeypatch, capsys):
    from pvt_lint.server import main

    monkeypatch.setitem(sys.modules, "pygls", None)  # import pygls raises ModuleNotFoundError
    monkeypatch.delitem(sys.modules, "pvt_lint.server.protocol", raising=False)
    assert main([]) == 2
    assert capsys.readouterr().err == ("pvt-lint: error: the language server needs pygls: install pvt-lint with the "
                                       "'server' extra (pvt-lint[server]) or run pip install pygls\n")


def test_only_the_server_imports_pygls():
    # Nothing below the faces (nor the other faces) may need the optional extra.
    importers = []
    for path in sorted((ROOT / "pvt_lint").rglob("*.py")):
        if "server" in path.relative_to(ROOT / "pvt_lint").parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.partition(".")[0] in ("pygls", "lsprotocol") for name in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []


@pytest.mark.slow
def test_pvt_lint_server_is_the_server_and_server_slash_is_a_directory(tmp_path: Path):
    from helpers import run_cli

    (tmp_path / "server").mkdir()
    (tmp_path / "server" / "jobs.py").write_text(BUGGY)
    linted = run_cli("--no-cache", "server/", cwd=tmp_path)
    assert (linted.returncode, linted.stdout) == (1, "server/jobs.py:4:5: PVT101 global `data` is changed by `.append()` "
                                                     "in child process target `worker` (started at line 6); the parent "
                                                     "never sees the change\n")
    refused = run_cli("server", "src", cwd=tmp_path)
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        2, "", "pvt-lint: error: `pvt-lint server` takes no arguments, not 'src'\n")


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "projects").iterdir() if p.is_dir()))
def test_every_project_fixture_edited_unsaved_keeps_the_clis_findings(name: str, tmp_path: Path):
    # Each module typed with one line more at the top, not saved: joined with the other modules' saved
    # summaries (only those its imports connect it to), its findings are the CLI's, one line down.
    root = tmp_path / name
    shutil.copytree(FIXTURES / "projects" / name, root, ignore=shutil.ignore_patterns("*.txt"))
    (root / "pyproject.toml").write_text("[project]\nname = 'fixture'\n")
    config = Config(root=str(root))
    files = sorted(str(p) for p in root.rglob("*.py"))
    try:
        cli = lint_paths([str(root)], config).findings
        for path in files:
            expected = [(f.line + 1, f.column, f.code) for f in cli if os.path.samefile(f.path, path)]
            typed = "# typed\n" + Path(path).read_text()
            assert [(f.line, f.column, f.code) for f in lint_buffer(typed, path, config).findings] == expected, path
            # the same through the server's reparser, after a parse of the saved text: the typed line
            # is parsed again, the other statements are the saved parse's
            reparser = Reparser()
            lint_buffer(Path(path).read_text(), path, config, reparser=reparser)
            again = lint_buffer(typed, path, config, reparser=reparser).findings
            assert [(f.line, f.column, f.code) for f in again] == expected, path
    finally:
        forget_project_runs()


def test_a_buffer_linted_without_collection_leaves_it_off_for_the_caller(shop: Path):
    tasks = shop / "shop" / "tasks.py"
    try:
        findings = lint_buffer(tasks.read_text(), str(tasks), Config(root=str(shop)), collect=False).findings
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert findings == lint_buffer(tasks.read_text(), str(tasks), Config(root=str(shop))).findings
    assert gc.isenabled()
