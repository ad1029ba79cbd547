"""The language server: pygls over stdio, in front of the runner (``runner.buffer.lint_buffer``).

Each open document is analysed on one worker thread (the engine runs its parses on its own deep-stack
thread anyway), so the protocol keeps answering while a file is judged. It is analysed at once when it is
opened or saved, and when a change comes after a quiet moment; a change that follows another within
``DEBOUNCE`` seconds (typing) waits until ``DEBOUNCE`` seconds pass without one, so a burst of keystrokes
costs one analysis, not one each. A result whose document has changed since is dropped; the newer version
has its own analysis coming. Whatever goes wrong with one
file is logged to the client (window/logMessage) and costs that file only.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import traceback
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..docs import REPRO_TIMEOUT, doc_for, repro_code
from ..reparse import Reparser
from ..runner.buffer import lint_buffer
from ..runner.project.layout import find_root
from ..runner.project.rounds import forget_project_runs
from .actions import EXPLAIN_COMMAND, FIX_ALL_KIND, REPRO_COMMAND, code_actions
from .convert import Analysed, diagnostic, finding_range, hover_text, span
from .settings import SECTION, Settings, editor_settings

DEBOUNCE = 0.15  # seconds: changes closer together than this are a burst of typing, analysed once at its end
KEPT_TREES = 4  # the documents analysed last keep their parse, for the next analysis (reparse.py)
CONFIG_FILE = "pyproject.toml"


class PvtServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("pvt-lint", __version__)
        self.settings = Settings()
        self.analysed: dict[str, Analysed] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.last_change: dict[str, float] = {}
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="pvt-lint-analysis")
        self.reparsers: OrderedDict[str, Reparser] = OrderedDict()
        self.problems_shown: set[str] = set()

    # ---- messages to the client ---------------------------------------------------------------
    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def problem_once(self, message: str) -> None:
        """A configuration problem is shown once (each analysis meets it again), and logged every time."""
        self.log(f"pvt-lint: {message}", types.MessageType.Error)
        if message not in self.problems_shown:
            self.problems_shown.add(message)
            self.show(f"pvt-lint: {message}", types.MessageType.Error)

    # ---- analysis -----------------------------------------------------------------------------
    def changed(self, uri: str) -> None:
        """A change: analysed at once after a quiet moment, else when the burst it belongs to ends."""
        now = asyncio.get_running_loop().time()
        last = self.last_change.get(uri)
        self.last_change[uri] = now
        self.schedule(uri, DEBOUNCE if last is not None and now - last < DEBOUNCE else 0.0)

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        earlier = self.pending.pop(uri, None)
        if earlier is not None:
            earlier.cancel()
        self.pending[uri] = asyncio.ensure_future(self._analyse_later(uri, delay))

    def schedule_all(self) -> None:
        for uri in list(self.analysed) + [u for u in self.workspace.text_documents if u not in self.analysed]:
            if uri in self.workspace.text_documents:
                self.schedule(uri)

    async def _analyse_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        document = self.workspace.get_text_document(uri)
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path is None:
            return  # an untitled buffer or another scheme: no file, no project, nothing to judge it by
        version, text = document.version, document.source
        loop = asyncio.get_running_loop()
        try:
            analysed = await loop.run_in_executor(self.worker, self._analyse, uri, path, version, text)
            self._publish(uri, version, analysed)
        except Exception as exc:  # noqa: BLE001 - a defect met on one file: logged, and the server goes on
            self.log(f"pvt-lint: {path}: internal error ({type(exc).__name__}: {exc})\n{traceback.format_exc()}",
                     types.MessageType.Error)
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]
            # The analysis left garbage collection off (lint_buffer's collect=False): a collection of the
            # whole heap mid-analysis cost 25-40 ms of each change's latency; after the diagnostics are
            # out, the young objects the analysis left are collected on the worker, and collection is on
            # again.
            try:
                self.worker.submit(_collect_garbage)
            except RuntimeError:  # the worker is shut down: the server is exiting
                gc.enable()

    def _publish(self, uri: str, version: Optional[int], analysed: Optional[Analysed]) -> None:
        current = self.workspace.text_documents.get(uri)
        if analysed is None or current is None or current.version != version:
            return
        self.analysed[uri] = analysed
        codec = self.workspace.position_codec
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[diagnostic(f, analysed, codec) for f in analysed.findings]))

    def _analyse(self, uri: str, path: str, version: Optional[int], text: str) -> Optional[Analysed]:
        """On the worker thread: the document's findings, with its project's configuration and facts."""
        config, problem = self.settings.config_for(path)
        if problem:
            self.problem_once(f"{problem} (linting with the defaults)")
        if config.is_excluded(path):
            self.log(f"pvt-lint: {path}: not linted: the configuration's excludes cover it")
            return Analysed(uri, path, version, text, (), str(find_root(Path(path))))
        # The project stage runs here, serially: a worker process would share the protocol's stdout.
        result = lint_buffer(text, path, config, self.settings.cache_for(config), self._reparser(uri), collect=False)
        if result.skipped:
            level = types.MessageType.Error if result.failure else types.MessageType.Info
            self.log(f"pvt-lint: {path}: {result.skipped}", level)
        return Analysed(uri, path, version, text, tuple(result.findings), str(find_root(Path(path))))

    def _reparser(self, uri: str) -> Reparser:
        """On the worker thread: the document's reparser; only the last ``KEPT_TREES`` keep theirs."""
        reparser = self.reparsers.pop(uri, None) or Reparser()
        self.reparsers[uri] = reparser
        while len(self.reparsers) > KEPT_TREES:
            self.reparsers.popitem(last=False)
        return reparser

    def files_changed(self, paths: list[str], configuration: bool) -> None:
        """Files changed on disk: forget what was read from them, then judge every open document again."""
        def forget() -> None:
            if configuration:
                self.settings.forget()
                forget_project_runs()
            for path in paths:
                forget_project_runs(path)

        # On the worker, where the project runs are made and read: after any analysis under way.
        self.worker.submit(forget)
        self.schedule_all()

    def update_settings(self, value) -> None:
        settings, problems = editor_settings(value)
        for problem in problems:
            self.problem_once(problem)
        if settings != self.settings.editor:
            self.settings.editor = settings
            self.schedule_all()

    def findings_at(self, uri: str, range_: types.Range) -> tuple[Optional[Analysed], list]:
        """The findings whose place touches ``range_`` (in the current document, if it was analysed as is)."""
        analysed = self.analysed.get(uri)
        document = self.workspace.text_documents.get(uri)
        if analysed is None or document is None or document.version != analysed.version:
            return None, []
        lines = analysed.lines
        inner = self.workspace.position_codec.range_from_client_units(lines, range_)
        start, end = (inner.start.line, inner.start.character), (inner.end.line, inner.end.character)
        found = [f for f in analysed.findings if _touches(span(f, lines), start, end)]
        return analysed, found


def _collect_garbage() -> None:
    gc.collect(1)  # the generations an analysis with collection off fills
    gc.enable()


def _touches(place, start, end) -> bool:
    return place[0] <= end and start <= place[1]


server = PvtServer()


@server.feature(types.INITIALIZE)
def initialize(ls: PvtServer, params: types.InitializeParams) -> None:
    if params.initialization_options is not None:
        ls.update_settings(params.initialization_options)
    folders = [to_fs_path(f.uri) for f in params.workspace_folders or []] or [ls.workspace.root_path]
    # Paths in the shared cache are named relative to the working directory, as a CLI run from the
    # workspace names them.
    if folders[0] and os.path.isdir(folders[0]):
        os.chdir(folders[0])


@server.feature(types.INITIALIZED)
def initialized(ls: PvtServer, params: types.InitializedParams) -> None:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is not None and watched.dynamic_registration:
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/{CONFIG_FILE}"), types.FileSystemWatcher(glob_pattern="**/*.py")]
        ls.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
            id="pvt-lint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: PvtServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: PvtServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: PvtServer, params: types.DidSaveTextDocumentParams) -> None:
    path = to_fs_path(params.text_document.uri)
    if path is not None:
        ls.files_changed([path], configuration=os.path.basename(path) == CONFIG_FILE)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: PvtServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.analysed.pop(uri, None)
    ls.last_change.pop(uri, None)
    ls.reparsers.pop(uri, None)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: PvtServer, params: types.DidChangeWatchedFilesParams) -> None:
    paths = [p for p in (to_fs_path(change.uri) for change in params.changes) if p is not None]
    ls.files_changed(paths, configuration=any(os.path.basename(p) == CONFIG_FILE for p in paths))


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: PvtServer, params: types.DidChangeConfigurationParams) -> None:
    value = params.settings
    if not value:
        workspace = ls.client_capabilities.workspace
        if workspace is None or not workspace.configuration:
            return
        # The client sends no values, only the news that they changed (the pull model): ask for them.
        answer = await ls.workspace_configuration_async(types.ConfigurationParams(
            items=[types.ConfigurationItem(section=SECTION)]))
        value = answer[0] if answer else None
    ls.update_settings(value)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: PvtServer, params: types.HoverParams) -> Optional[types.Hover]:
    analysed, found = ls.findings_at(params.text_document.uri, types.Range(start=params.position, end=params.position))
    if analysed is None or not found:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=hover_text(found)),
                       range=finding_range(found[0], analysed.lines, ls.workspace.position_codec))


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]))
def code_action(ls: PvtServer, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
    analysed, found = ls.findings_at(params.text_document.uri, params.range)
    if analysed is None:
        return None
    workspace = ls.client_capabilities.workspace
    edits = workspace.workspace_edit if workspace is not None else None
    versioned = bool(edits is not None and edits.document_changes)
    only = [str(kind.value if hasattr(kind, "value") else kind) for kind in params.context.only or []]
    return code_actions(analysed, found, ls.workspace.position_codec, only or None, versioned) or None


@server.command(EXPLAIN_COMMAND)
async def explain(ls: PvtServer, code: str) -> Optional[str]:
    """Open the rule's page in the browser (window/showDocument), or show its address where the client
    cannot open one."""
    rule = doc_for(str(code))
    if rule is None:
        ls.show(f"pvt-lint: unknown rule code {str(code)[:40]!r}", types.MessageType.Error)
        return None
    window = ls.client_capabilities.window
    if window is not None and window.show_document is not None and window.show_document.support:
        await ls.window_show_document_async(types.ShowDocumentParams(uri=rule.url, external=True))
    else:
        ls.show(f"{rule.code} {rule.name}: {rule.summary} {rule.url}")
    return rule.url


@server.command(REPRO_COMMAND)
async def reproduce(ls: PvtServer, code: str) -> Optional[dict]:
    """Run ``pvt-lint --repro CODE`` (the bundled program, never the user's code) and show its verdict."""
    code = str(code)
    if repro_code(code) is None:
        ls.show(f"pvt-lint: {code[:40]} has no reproduction", types.MessageType.Error)
        return None
    ls.log(f"pvt-lint: running `pvt-lint --repro {code}`")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pvt_lint", "--repro", code, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        output, _ = await asyncio.wait_for(process.communicate(), REPRO_TIMEOUT + 30)
    except asyncio.TimeoutError:
        process.kill()
        ls.show(f"pvt-lint: the {code} reproduction did not finish", types.MessageType.Warning)
        return None
    text = output.decode("utf-8", "replace")
    ls.log(text)
    verdict = next((line for line in reversed(text.splitlines()) if line.strip()), "(no output)")
    ls.show(f"{code} reproduction: {verdict}",
            types.MessageType.Info if process.returncode == 0 else types.MessageType.Warning)
    return {"code": code, "exit_code": process.returncode, "verdict": verdict}


def serve() -> None:
    # The protocol owns stdout: anything else printed there (a warning, a stray print) would corrupt the
    # stream, so it goes to stderr, which editors show as the server's log.
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, protocol_out)
