"""`pvt-lint server`, driven over stdio by a real LSP client (pytest-lsp): diagnostics on open, change and
save, code actions and their edits, hover, PVT000, project facts from another module, configuration from
pyproject.toml and from the editor, a file whose analysis fails, and the commands. Every test asserts the
exact codes, ranges, messages and texts.

One server per module (per xdist worker), so each test works in its own temporary project; the tests that
change the server's own settings or break it start their own.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Union

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from helpers import BUGGY, FIXTURES, ROOT  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="module")]

PVT101_MESSAGE = ("global `data` is changed by `.append()` in child process target `worker` (started at line 6); "
                  "the parent never sees the change")
RULES = "https://github.com/pvt-lint/pvt-lint/blob/main/docs/rules"
CONCEPTS = "https://github.com/pvt-lint/pvt-lint/blob/main/docs/concepts.md"

# PVT202 with a safe fix (seen is a plain dict): `if key in seen: del seen[key]` -> `seen.pop(key, None)`.
CHECK_THEN_ACT = '''import threading

seen = {}


def remember(key):
    if key in seen:
        del seen[key]


threads = [threading.Thread(target=remember, args=(k,)) for k in "ab"]
'''
PVT202_MESSAGE = ("`if key in seen` in `remember`, which runs in threads started at line 11, then changes global "
                  "`seen` at line 8 with no lock held")


def _env() -> dict:
    # The checkout first on the path: the server under test is this one, whatever is installed.
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}


SERVER = [sys.executable, "-m", "pvt_lint", "server"]


async def _start(client: LanguageClient, root: Path, options=None) -> None:
    client.registrations = []

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(ls, params: types.RegistrationParams) -> None:
        ls.registrations.extend(params.registrations)

    # lsprotocol 2025.0 reads any code action with a "command" key as a Command (the command's title then
    # holds the action's); the protocol tells them apart by the type of "command", as VS Code does.
    converter = client.protocol._converter
    converter.register_structure_hook(Union[types.Command, types.CodeAction], lambda value, _: converter.structure(
        value, types.Command if isinstance(value.get("command"), str) else types.CodeAction))

    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        root_uri=root.as_uri(), initialization_options=options))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER, server_env=_env()))
async def client(lsp_client: LanguageClient, workspace: Path):
    await _start(lsp_client, workspace)
    yield
    await lsp_client.shutdown_session()


def project(workspace: Path, name: str, files: dict[str, str], pyproject: str = "") -> Path:
    """A project of its own under the workspace (a pyproject.toml marks its root)."""
    root = workspace / name
    root.mkdir()
    (root / "pyproject.toml").write_text(pyproject or "[project]\nname = 'p'\n")
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


async def published(client: LanguageClient, uri: str, version: int | None = None) -> list[types.Diagnostic]:
    """The next diagnostics published for ``uri`` (for ``version``, when given)."""
    while True:
        params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if params.uri == uri and (version is None or params.version == version):
            return list(params.diagnostics)


async def opened(client: LanguageClient, path: Path, text: str | None = None) -> list[types.Diagnostic]:
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=path.as_uri(), language_id="python", version=1, text=path.read_text() if text is None else text)))
    return await published(client, path.as_uri(), 1)


def changed(client: LanguageClient, path: Path, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def summary(diagnostics) -> list[tuple]:
    """(code, start line, start character, end line, end character, message, severity) of each diagnostic."""
    return [(d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
             d.message, d.severity) for d in diagnostics]


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """``edits`` applied to ``text`` as a client applies them (ASCII text: characters are UTF-16 units)."""
    lines = text.split("\n")
    offset = lambda p: sum(len(line) + 1 for line in lines[: p.line]) + p.character  # noqa: E731
    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


def edits_of(action: types.CodeAction) -> list[types.TextEdit]:
    (change,) = action.edit.document_changes
    return list(change.edits)


ERROR = types.DiagnosticSeverity.Error


async def test_open_a_buggy_file(client: LanguageClient, workspace: Path):
    root = project(workspace, "open", {"jobs.py": BUGGY})
    diagnostics = await opened(client, root / "jobs.py")
    assert summary(diagnostics) == [("PVT101", 3, 4, 3, 8, PVT101_MESSAGE, ERROR)]
    (d,) = diagnostics
    assert (d.source, d.code_description.href) == ("pvt-lint", f"{RULES}/PVT101.md")
    assert [(r.location.uri, r.location.range.start.line, r.location.range.start.character, r.message)
            for r in d.related_information] == [((root / "jobs.py").as_uri(), 5, 4, "`worker` is sent to a child process here")]


async def test_an_edit_updates_the_diagnostics_and_unsaved_text_is_judged(client: LanguageClient, workspace: Path):
    root = project(workspace, "edit", {"jobs.py": BUGGY})
    path = root / "jobs.py"
    assert summary(await opened(client, path)) == [("PVT101", 3, 4, 3, 8, PVT101_MESSAGE, ERROR)]
    # Two lines typed above, not saved: the finding moves with them, and its message names the new line.
    changed(client, path, 2, "# a comment\n\n" + BUGGY)
    moved = PVT101_MESSAGE.replace("line 6", "line 8")
    assert summary(await published(client, path.as_uri(), 2)) == [("PVT101", 5, 4, 5, 8, moved, ERROR)]
    # Two changes at once, as typing sends them: the first one's result is stale before it is published.
    changed(client, path, 3, BUGGY.replace("    data.append(1)", "    data.append(2)"))
    changed(client, path, 4, BUGGY.replace("    data.append(1)", "    return 1"))
    # The next diagnostics published are version 4's (version 3's would hold the PVT101).
    assert summary(await published(client, path.as_uri())) == []
    # Typed back, after a quiet moment: the statements version 4 left alone keep their parse (reparse.py),
    # the changed function is parsed again, and the finding is where a whole parse puts it.
    await asyncio.sleep(0.5)  # longer than protocol.DEBOUNCE (not imported here: test_server_parts imports
    # the server package without pygls, in the same process)
    changed(client, path, 5, "# a comment\n\n" + BUGGY)
    assert summary(await published(client, path.as_uri(), 5)) == [("PVT101", 5, 4, 5, 8, moved, ERROR)]


async def test_a_syntax_error_is_pvt000(client: LanguageClient, workspace: Path):
    root = project(workspace, "syntax", {"broken.py": "def f(:\n    pass\n"})
    diagnostics = await opened(client, root / "broken.py")
    assert summary(diagnostics) == [("PVT000", 0, 6, 0, 6, "cannot parse: invalid syntax", ERROR)]
    # The server lives on: the next file is judged.
    (root / "jobs.py").write_text(BUGGY)
    assert [d.code for d in await opened(client, root / "jobs.py")] == ["PVT101"]


async def test_the_fix_action_applies_the_rules_fix(client: LanguageClient, workspace: Path):
    root = project(workspace, "fix", {"cache.py": CHECK_THEN_ACT})
    path = root / "cache.py"
    assert summary(await opened(client, path)) == [("PVT202", 6, 4, 6, 4, PVT202_MESSAGE, ERROR)]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
        range=types.Range(start=types.Position(line=6, character=4), end=types.Position(line=6, character=4)),
        context=types.CodeActionContext(diagnostics=[])))
    assert [(a.title, a.kind, a.is_preferred) for a in actions] == [
        ("PVT202: Use `seen.pop(key, None)`", types.CodeActionKind.QuickFix, True),
        ("PVT202: suppress with `# noqa: PVT202`", types.CodeActionKind.QuickFix, None),
        ("PVT202: explain unlocked-check-then-act (open the rule's page)", types.CodeActionKind.QuickFix, None),
        ("PVT202: run the reproduction (`pvt-lint --repro PVT202`)", types.CodeActionKind.QuickFix, None),
        ("pvt-lint: apply the 1 safe fix of this file", "source.fixAll.pvt-lint", None),
    ]
    fixed = apply(CHECK_THEN_ACT, edits_of(actions[0]))
    assert fixed == CHECK_THEN_ACT.replace("    if key in seen:\n        del seen[key]\n", "    seen.pop(key, None)\n")
    assert apply(CHECK_THEN_ACT, edits_of(actions[4])) == fixed
    assert apply(CHECK_THEN_ACT, edits_of(actions[1])) == CHECK_THEN_ACT.replace(
        "    if key in seen:\n", "    if key in seen:  # noqa: PVT202\n")
    assert (actions[2].command.command, actions[2].command.arguments) == ("pvt-lint.explain", ("PVT202",))
    # The client applies the fix: the finding is gone.
    changed(client, path, 2, fixed)
    assert await published(client, path.as_uri(), 2) == []


async def test_hover_shows_the_rule_the_message_and_the_concept(client: LanguageClient, workspace: Path):
    root = project(workspace, "hover", {"jobs.py": BUGGY})
    path = root / "jobs.py"
    await opened(client, path)
    result = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=types.Position(line=3, character=6)))
    assert result.contents.kind == types.MarkupKind.Markdown
    assert result.contents.value == (
        "**PVT101** `global-mutated-in-child`: Module global mutated in code that runs in a child process.\n\n"
        f"{PVT101_MESSAGE}\n\n"
        f'Concept: [4. The "Global Variable" Trap]({CONCEPTS}#4-the-global-variable-trap)'
        f" · [PVT101 documentation]({RULES}/PVT101.md)")
    assert (result.range.start.line, result.range.start.character, result.range.end.character) == (3, 4, 8)
    nothing = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=types.Position(line=0, character=2)))
    assert nothing is None


async def test_a_finding_that_another_module_causes(client: LanguageClient, workspace: Path):
    root = workspace / "cross"
    shutil.copytree(FIXTURES / "projects" / "pvt101_cross_module", root)
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (root / "shop" / "tasks.txt").unlink()
    tasks = root / "shop" / "tasks.py"
    message = ("global `PRICED` is changed by `.append()` in child process target `price` (sent to a child at "
               "shop/main.py:12); the parent never sees the change")
    assert summary(await opened(client, tasks)) == [("PVT101", 8, 4, 8, 10, message, ERROR)]
    # Unsaved lines above the finding: the facts of main.py are joined with the typed text.
    changed(client, tasks, 2, "# one\n# two\n" + tasks.read_text())
    assert summary(await published(client, tasks.as_uri(), 2)) == [("PVT101", 10, 4, 10, 10, message, ERROR)]
    # main.py stops sending `price` to the pool and is saved: tasks.py is judged again without it.
    main = root / "shop" / "main.py"
    main.write_text(main.read_text().replace("pool.map(tasks.price, ORDERS)", "map(tasks.price, ORDERS)"))
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=main.as_uri(), type=types.FileChangeType.Changed)]))
    assert await published(client, tasks.as_uri(), 2) == []


async def test_pyproject_configuration_is_read_and_read_again(client: LanguageClient, workspace: Path):
    root = project(workspace, "configured", {"jobs.py": BUGGY}, "[tool.pvt-lint]\nignore = ['PVT101']\n")
    path = root / "jobs.py"
    assert await opened(client, path) == []
    (root / "pyproject.toml").write_text("[tool.pvt-lint]\nignore = ['PVT2']\n")
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=(root / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]))
    assert [d.code for d in await published(client, path.as_uri(), 1)] == ["PVT101"]
    # The shared cache: the project stage wrote the CLI's cache in the project root.
    assert (root / ".pvt_lint_cache" / ".gitignore").is_file()


async def test_explain_opens_the_rule_page(client: LanguageClient):
    url = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="pvt-lint.explain", arguments=["PVT202"]))
    assert url == f"{RULES}/PVT202.md"
    assert [(d.uri, d.external) for d in client.shown_documents][-1] == (f"{RULES}/PVT202.md", True)


async def test_the_reproduction_runs_and_its_verdict_is_shown(client: LanguageClient):
    verdict = ("reproduced: sys.exit(3) in the worker thread ended only that thread; "
               "the program exited with status 0")
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="pvt-lint.repro", arguments=["PVT205"]))
    assert result == {"code": "PVT205", "exit_code": 0, "verdict": verdict}
    assert (client.messages[-1].type, client.messages[-1].message) == (types.MessageType.Info, f"PVT205 reproduction: {verdict}")


async def test_the_server_watches_files_and_clears_a_closed_files_diagnostics(client: LanguageClient, workspace: Path):
    (registration,) = client.registrations
    assert (registration.method, [w["globPattern"] for w in registration.register_options["watchers"]]) == (
        "workspace/didChangeWatchedFiles", ["**/pyproject.toml", "**/*.py"])
    root = project(workspace, "close", {"jobs.py": BUGGY})
    path = root / "jobs.py"
    assert [d.code for d in await opened(client, path)] == ["PVT101"]
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri())))
    assert await published(client, path.as_uri()) == []


async def test_saving_pyproject_toml_reads_it_again(client: LanguageClient, workspace: Path):
    root = project(workspace, "saved", {"jobs.py": BUGGY})
    path, pyproject = root / "jobs.py", root / "pyproject.toml"
    assert [d.code for d in await opened(client, path)] == ["PVT101"]
    pyproject.write_text("[tool.pvt-lint]\nignore = ['PVT1']\n")
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=pyproject.as_uri())))
    assert await published(client, path.as_uri(), 1) == []


# ---- servers of their own: the editor's settings, and a server whose analysis fails on one file --------
@pytest_lsp.fixture(loop_scope="module", config=ClientServerConfig(server_command=SERVER, server_env=_env()))
async def configured(lsp_client: LanguageClient, tmp_path: Path):
    await _start(lsp_client, tmp_path, {"pvt-lint": {"ignore": ["PVT101"], "select": "PVT1,PVT2"}})
    yield
    await lsp_client.shutdown_session()


async def test_the_editors_select_and_ignore(configured: LanguageClient, tmp_path: Path):
    root = project(tmp_path, "p", {"jobs.py": BUGGY})
    path = root / "jobs.py"
    assert await opened(configured, path) == []
    configured.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"pvt-lint": {"select": ["PVT1"]}}))
    assert [d.code for d in await published(configured, path.as_uri(), 1)] == ["PVT101"]
    configured.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"pvt-lint": {"ignore": ["PVT999"], "extend-select": 3}}))
    await published(configured, path.as_uri(), 1)
    assert [(m.type, m.message) for m in configured.messages[-2:]] == [
        (types.MessageType.Error, "pvt-lint: setting 'extend-select' must be a list of codes or a comma-separated "
                                  "string; it is left out"),
        (types.MessageType.Error, "pvt-lint: setting 'ignore': unknown rule selector 'PVT999'; the setting is left out"),
    ]


# In the server's own process: engine.analyse raises on any file named crash.py.
CRASHING_SERVER = [sys.executable, "-c", """
import sys
import pvt_lint.engine as engine
real = engine.analyse
def analyse(source, path, *args, **kwargs):
    if path.endswith("crash.py"):
        raise RuntimeError("boom")
    return real(source, path, *args, **kwargs)
engine.analyse = analyse
from pvt_lint.server import main
sys.exit(main([]))
"""]


@pytest_lsp.fixture(loop_scope="module", config=ClientServerConfig(server_command=CRASHING_SERVER, server_env=_env()))
async def crashing(lsp_client: LanguageClient, tmp_path: Path):
    await _start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


async def test_a_crash_on_one_file_is_logged_and_the_server_goes_on(crashing: LanguageClient, tmp_path: Path):
    root = project(tmp_path, "p", {"crash.py": BUGGY, "jobs.py": BUGGY})
    crash = root / "crash.py"
    assert await opened(crashing, crash) == []
    errors = [m.message for m in crashing.log_messages if m.type == types.MessageType.Error]
    assert errors == [f"pvt-lint: {crash}: not analysed: internal error (RuntimeError: boom)"]
    assert [d.code for d in await opened(crashing, root / "jobs.py")] == ["PVT101"]
