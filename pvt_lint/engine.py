"""The pure core: source in, findings out.

CPython's parse (the syntax verdict, and the AST the gate reads) -> a textual prefilter and the AST gate
(gate.py) -> one libcst parse -> one batched traversal of the model's collectors and the rules in
libcst's visit order (walk.py) -> the rules judge the module's model -> ``# noqa``.
"""

from __future__ import annotations

import ast
import gc
import io
import queue
import re
import sys
import threading
import tokenize
import warnings
from typing import Optional, Sequence

from .config import Config
from .findings import ERROR, FileResult, Finding
from .gate import mentions_concurrency  # the textual prefilter, derived from the registry
from .suppress import UNUSED_NOQA_CODE, apply_noqa

SYNTAX_CODE = "PVT000"
SYNTAX_NAME = "syntax-error"

# CPython's parser stops at 200 nested brackets; libcst's native parser can crash the
# whole process far beyond that, so such input never reaches it.
_NESTING_ERRORS = ("too many nested parentheses", "too many nested", "recursion")


def lint_source(source: str | bytes, path: str = "<stdin>", config: Config | None = None) -> list[Finding]:
    """Findings for one module's source (bytes are decoded as Python would decode them)."""
    return analyse(source, path, config or Config()).findings


def analyse(
    source: str | bytes, path: str, config: Config, *, noqa: bool = True, tree: Optional[ast.Module] = None,
    facts=None, module: Optional[str] = None, is_package: bool = False, force: bool = False, own_facts=None,
    reparser=None,
) -> FileResult:
    """One file's result. ``noqa=False`` leaves ``# noqa`` comments to the caller (flake8 does them);
    ``tree``, CPython's AST of exactly this source when the caller has one (flake8 does), saves a parse.

    The project stage's inputs and outputs: ``module`` (the file's dotted name) asks for the
    ``FileResult.summary`` of every module the model is built for, and for the import list of every
    module that parses; ``is_package`` says the file is an ``__init__``; ``force`` builds the model even
    when the prefilter and the gate would skip the file (the project needs its summary); ``facts`` (a
    ``ModuleFacts``) is what the project says about this module, read by the rules as ``model.project``;
    without it, ``own_facts(summary)`` (given by the runner) supplies the facts the module's summary
    alone implies, so that the project stage re-judges only modules whose facts other modules change.
    ``reparser`` (a ``reparse.Reparser``, the language server's per document) parses again only what
    changed since its last parse; the result is the same."""
    text, problem = decode(source)
    if problem is not None:
        line, column, message = problem
        return FileResult(path, [_syntax_finding(path, line, column, message)])
    # Automatic collection off while one file is analysed: the parses allocate millions of objects, and
    # the collections they trigger mid-file traverse trees that are still in use (14% of a django run's
    # CPU, 25% of the concurrency set's). The model and the tree are freed when the analysis ends
    # (ModuleModel.release breaks the model's cycles); what is left in cycles goes at the next collection.
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = _analyse_text(text, path, config, tree, _Project(facts, module, is_package, force, own_facts),
                               reparser)
    finally:
        if collecting:
            gc.enable()
    findings = apply_noqa(result.findings, text, _selects(config, path), path) if noqa else result.findings
    result.findings = sorted(findings, key=Finding.sort_key)
    return result


def _selects(config: Config, path: str):
    """With PVT001 enabled for ``path``: does a code prefix select an enabled rule there? Else None."""
    if not config.code_enabled(UNUSED_NOQA_CODE, path):
        return None

    def selects(prefix: str) -> bool:
        from .rules import all_rules  # loads libcst: only for a file with an unused ``# noqa``

        codes = (SYNTAX_CODE, UNUSED_NOQA_CODE, *(rule.CODE for rule in all_rules()))
        return any(code.startswith(prefix) and config.code_enabled(code, path) for code in codes)

    return selects


class _Project:
    """What the project stage asks of one analysis (all empty outside a project run)."""

    __slots__ = ("facts", "module", "is_package", "force", "own_facts")

    def __init__(self, facts=None, module: Optional[str] = None, is_package: bool = False, force: bool = False,
                 own_facts=None):
        self.facts, self.module, self.is_package, self.force = facts, module, is_package, force
        self.own_facts = own_facts


def _analyse_text(
    text: str, path: str, config: Config, given: Optional[ast.Module] = None, project: Optional[_Project] = None,
    reparser=None,
) -> FileResult:
    project = project or _Project()
    # On the deep-stack thread: the recursion limit raised there is interpreter-wide, and CPython's
    # AST construction on the 8 MiB main stack segfaults under it (a 1,000,000-term `a + a + ...`).
    tree, cpython_error = (given, None) if given is not None else on_deep_stack(_cpython_parse, text, path)
    if cpython_error is not None and any(m in cpython_error.msg for m in _NESTING_ERRORS):
        return FileResult(path, [_from_syntax_error(path, cpython_error)])
    imports = None
    if project.module is not None and tree is not None:
        from .import_list import import_list

        imports = on_deep_stack(import_list, tree, project.module, project.is_package)
    rules = None
    # A module the project says something about is judged whatever the gate says; one forced in only
    # for its summary runs no rules, so its findings are the same as when the gate skips it.
    judged = bool(project.facts)  # empty ModuleFacts are false
    if judged or (mentions_concurrency(text) and (tree is None or _may_find(tree))):
        # Imported only here: a run whose files are all cached or prefiltered never loads libcst.
        from .rules import all_rules

        rules = [r for r in all_rules() if config.code_enabled(r.CODE, path)]
    if not rules and not (project.force and project.module is not None and cpython_error is None):
        if cpython_error is not None:
            return FileResult(path, [_from_syntax_error(path, cpython_error, text, config)])
        return FileResult(path, imports=imports)
    from .nesting import too_deep_for_libcst

    too_deep = on_deep_stack(too_deep_for_libcst, text, tree)
    if too_deep is not None and cpython_error is not None:
        return FileResult(path, [_from_syntax_error(path, cpython_error, text, config)])
    if too_deep is not None:
        return FileResult(path, skipped=too_deep, imports=imports)
    try:
        findings, summary, read = on_deep_stack(_run_rules, text, path, rules or [], project, config,
                                                (reparser, tree if cpython_error is None else None))
        return FileResult(path, findings, summary=summary, imports=imports, facts_read=read)
    except RecursionError:
        return FileResult(path, skipped="not analysed: nested too deeply even for a 512 MiB stack")
    except _ParserError as exc:
        if cpython_error is not None:
            return FileResult(path, [_from_syntax_error(path, cpython_error, text, config)])
        # CPython accepts it, libcst does not: a parser limitation, not the user's mistake.
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return FileResult(path, skipped=f"not analysed: the libcst parser rejects valid code ({message})")


class _ParserError(Exception):
    pass


def _run_rules(text: str, path: str, rules: Sequence[type], project: Optional[_Project] = None,
               config: Optional[Config] = None, reparse=(None, None)):
    """(findings, summary, read): the rules' findings and, when the project asked (``project.module``), the
    module's summary, both from the one model, and what the rules read of the facts the summary implies
    when they judged with those; ``config`` says which start methods the program meets."""
    import libcst as cst

    from .model.start_methods import default_start_methods

    project = project or _Project()
    reparser, tree = reparse
    try:
        module, places = reparser.parse(text, tree) if reparser is not None else (cst.parse_module(text), None)
    except cst.ParserSyntaxError as exc:
        raise _ParserError(exc.message) from None
    instances = [rule(path) for rule in rules]
    model = build_model(module, instances, text, places)
    model.text, model.indent, model.newline = text, module.default_indent, module.default_newline
    summary = None
    if project.module is not None:
        from .model.summary_build import summarize

        summary = summarize(model, project.module, project.is_package, module)
    facts = project.facts
    reading = None
    if facts is None and project.own_facts is not None and summary is not None:
        from .model.read_facts import ReadFacts

        facts = reading = ReadFacts(project.own_facts(summary))
    if facts is not None:
        model.project = facts
    if config is not None:
        model.default_start_methods = default_start_methods(config)
    findings: list[Finding] = []
    for rule in instances:
        rule.check(model)
        findings.extend(rule.findings)
    model.release()  # the findings and the summary are plain data: the tree can go now
    return findings, summary, (frozenset(reading.reads) if reading is not None and instances else None)


def build_model(module, visitors: Sequence = (), text: Optional[str] = None, places=None):
    """The concurrency model of a parsed module, from the one batched traversal that also runs
    ``visitors`` (the rules' own visit methods, if any); ``text`` is the module's source, if at hand;
    ``places``, the module's positions if they are known."""
    from .model import Collector, ModuleModel
    from .positions import positions
    from .walk import Walker

    # The same ranges as libcst's PositionProvider, without its extra traversal (positions.py); no
    # visitor uses other metadata, so no MetadataWrapper. The walk calls the visitors in libcst's
    # order without rebuilding the tree (walk.py).
    collector = Collector(places if places is not None else positions(module), text)
    Walker([*collector.visitors, *visitors]).walk(module)
    return ModuleModel(collector)


_DEEP_STACK_BYTES = 512 * 1024 * 1024
_DEEP_RECURSION_LIMIT = 100_000
_deep_thread: Optional[threading.Thread] = None
_deep_tasks: "queue.SimpleQueue" = queue.SimpleQueue()
_deep_lock = threading.Lock()


def on_deep_stack(function, *args):
    """Run ``function`` on one long-lived thread with a large stack and a high recursion limit.

    libcst's visitors and code generator recurse once per nesting level, so valid code such as
    a 500-branch elif chain overflows the default limit; hitting the limit first and retrying is
    slow (every frame unwinds through a context manager), so analysis always runs there. The thread
    is a daemon: Ctrl-C while it works on a large file ends the run at once instead of waiting for it.
    """
    global _deep_thread
    if threading.current_thread() is _deep_thread:
        return function(*args)
    with _deep_lock:
        if _deep_thread is None or not _deep_thread.is_alive():
            old_size = threading.stack_size()
            threading.stack_size(_DEEP_STACK_BYTES)
            try:
                _deep_thread = threading.Thread(target=_deep_loop, name="pvt-lint-deep", daemon=True)
                _deep_thread.start()
            finally:
                threading.stack_size(old_size)
    done = threading.Event()
    outcome: list = []
    _deep_tasks.put((function, args, done, outcome))
    done.wait()
    value, error = outcome
    if error is not None:
        raise error
    return value


def _deep_loop() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), _DEEP_RECURSION_LIMIT))
    while True:
        function, args, done, outcome = _deep_tasks.get()
        try:
            outcome.extend((function(*args), None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who re-raises it
            outcome.extend((None, exc))
        finally:
            done.set()
            del function, args, done, outcome


def decode(source: str | bytes) -> tuple[str, Optional[tuple[int, int, str]]]:
    """Decode as CPython does (BOM, coding cookie, UTF-8 default); (text, problem)."""
    if isinstance(source, str):
        text = source
    else:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        except SyntaxError as exc:
            return "", (1, 0, str(exc).split("(", 1)[0].strip() or "invalid encoding declaration")
        try:
            text = source.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            if isinstance(exc, UnicodeDecodeError):
                line = source.count(b"\n", 0, exc.start) + 1
                column = exc.start - (source.rfind(b"\n", 0, exc.start) + 1)
                return "", (line, column, f"cannot decode the file as {encoding}: {exc.reason}")
            return "", (1, 0, f"unknown encoding: {encoding}")
        if text.startswith("\ufeff"):
            text = text[1:]
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1)
        return "", (line, column, "source code cannot contain null bytes")
    return text, None


def _cpython_parse(text: str, path: str) -> tuple[Optional[ast.Module], Optional[SyntaxError]]:
    """The running interpreter's AST, or what its parser says is wrong (it only parses: nothing runs)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path), None
    except SyntaxError as exc:
        return None, exc
    except (ValueError, MemoryError, RecursionError) as exc:
        error = SyntaxError(str(exc) or type(exc).__name__)
        error.lineno, error.offset = 1, 1
        return None, error


def _may_find(tree: ast.Module) -> bool:
    # On the deep-stack thread for the same reason as the parse: the tree may be very deep.
    from .gate import may_find

    return on_deep_stack(may_find, tree)


def _from_syntax_error(path: str, error: SyntaxError, text: str = "", config: Optional[Config] = None) -> Finding:
    line = error.lineno or 1
    column = max((error.offset or 1) - 1, 0)
    return _syntax_finding(path, line, column, (error.msg or "invalid syntax") + _newer_python(text, line, config))


# Syntax that the interpreters pvt-lint runs on may not know, with the version that brought it: a pattern
# over the tokens of the line where the parser gave up (``_token_shape``).
_NEWER_SYNTAX = (
    (re.compile(r"^type \w+#? [=\[]"), (3, 12), "`type X = ...` statements"),
    (re.compile(r"^(async )?(def|class) \w+#? \["), (3, 12), "type parameter lists (`def f[T]`)"),
    (re.compile(r"^except \*"), (3, 11), "`except*` clauses"),
    (re.compile(r"^(?!.* as )except [^(][^:]* , "), (3, 14), "`except A, B:` clauses without brackets"),
    (re.compile(r"(^| )([tT]|[rR][tT]|[tT][rR])# [\"']"), (3, 14), "template strings (`t\"...\"`)"),
)


def _newer_python(text: str, line: int, config: Optional[Config]) -> str:
    """Why a file may not parse here when the interpreter is older than its syntax: the project targets a
    newer Python, or the line that fails holds syntax a newer Python brought. "" when neither is known."""
    running = sys.version_info[:2]
    target = config.python_versions()[0] if config is not None else running
    if target > running:
        return (f" (the project targets Python {_version(target)} and this interpreter is {_version(running)}:"
                f" run pvt-lint on Python {_version(target)} or newer)")
    lines = text.splitlines()
    shape = _token_shape(lines[line - 1] if 0 < line <= len(lines) else "")
    for pattern, needed, what in _NEWER_SYNTAX:
        if needed > running and pattern.search(shape):
            return (f" ({what} need Python {_version(needed)} and this interpreter is {_version(running)}:"
                    f" run pvt-lint on Python {_version(needed)} or newer)")
    return ""


def _token_shape(source_line: str) -> str:
    """The names, operators and strings of a line, separated by spaces (``type X = int``); a name written
    right against the next token ends in ``#`` (``t"x"``: ``t# "x"``, ``def f[T]``: ``def f# [ T ]``)."""
    out: list[str] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source_line.strip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return ""
    for token, after in zip(tokens, tokens[1:] + [None]):
        if token.type in (tokenize.NAME, tokenize.OP, tokenize.STRING):
            glued = token.type == tokenize.NAME and after is not None and after.start == token.end
            out.append(f"{token.string}{'#' if glued else ''}")
    return " ".join(out)


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def _syntax_finding(path: str, line: int, column: int, message: str) -> Finding:
    from .links import rule_url

    return Finding(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        code=SYNTAX_CODE,
        name=SYNTAX_NAME,
        message=f"cannot parse: {message}",
        severity=ERROR,
        url=rule_url(SYNTAX_CODE),
    )


def preload() -> None:
    """Import everything analysis needs (the rules, and libcst with them) now rather than on the first
    file that needs it: a caller that forks afterwards (the runner's workers) then shares the imports."""
    from .rules import all_rules

    all_rules()
