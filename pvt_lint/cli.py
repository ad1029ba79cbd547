"""The ``pvt-lint`` command: a thin click adapter over the runner (and the engine under it)."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Optional

import click

from . import __version__
from .config import (
    Config,
    ConfigError,
    check_selectors,
    find_pyproject,
    load_config,
    parse_code_list,
    platforms,
    target_version,
    unknown_selector,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

FORMAT_NAMES = ("text", "json", "github", "sarif", "gitlab")


def _fail(message: str) -> None:
    click.echo(f"pvt-lint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def resolve_config(paths: tuple[str, ...], config_file: Optional[str]) -> Config:
    if config_file:
        return load_config(config_file)
    start = paths[0] if paths else "."
    if not os.path.exists(start):
        # --stdin-filename may name a file that does not exist yet: its directory finds the config.
        parent = os.path.dirname(start)
        start = parent if parent and os.path.isdir(parent) else "."
    found = find_pyproject(start)
    if found is None:
        return Config(root=os.getcwd())
    return load_config(found)


def _known_codes() -> tuple[str, ...]:
    from .docs import known_codes

    return known_codes()


def _check_command_line_selectors(**options: Optional[str]) -> None:
    """Unknown codes on the command line are usage errors, as ruff's "Unknown rule selector"."""
    known = None
    for option, text in options.items():
        if not text:
            continue
        known = known or _known_codes()
        bad = unknown_selector(parse_code_list(text, option), known)
        if bad is not None:
            raise ConfigError(f"unknown rule selector {bad!r} in {option}")


def _check_config_selectors(config: Config) -> None:
    # Only a configuration that names codes pays for importing the rules to know theirs.
    if config.select != Config.select or config.ignore or config.per_file_ignores:
        check_selectors(config, _known_codes())


def _apply_options(config: Config, select, ignore, extend_select, exclude, extend_exclude) -> Config:
    _check_config_selectors(config)
    _check_command_line_selectors(**{"--select": select, "--extend-select": extend_select, "--ignore": ignore})
    changes: dict = {}
    if select:
        changes["select"] = parse_code_list(select, "--select")
    if extend_select:
        changes["select"] = (*changes.get("select", config.select), *parse_code_list(extend_select, "--extend-select"))
    if ignore:
        changes["ignore"] = (*config.ignore, *parse_code_list(ignore, "--ignore"))
    if exclude:
        changes["exclude"] = tuple(exclude)
    if extend_exclude:
        changes["extend_exclude"] = (*config.extend_exclude, *extend_exclude)
    return config.replace(**changes) if changes else config


def _text_or_json(option: str, output_format: str) -> None:
    """An option whose output has only a text and a JSON form rejects the other formats, never ignores them."""
    if output_format not in ("text", "json"):
        _fail(f"{option} supports --format text or json, not {output_format}")


def _learn(explain_code, repro_code, fixed, output_format, output, paths) -> int:
    """--explain CODE and --repro CODE [--fixed]: a rule's documentation, or its bug shown running."""
    import json

    from . import docs

    if fixed and repro_code is None:
        _fail("--fixed only goes with --repro CODE")
    if explain_code is not None and repro_code is not None:
        _fail("use --explain or --repro, not both")
    option = "--explain" if explain_code is not None else "--repro"
    if paths:
        _fail(f"{option} takes a rule code, not PATHS")
    if output_format not in ("text", "json"):
        _fail(f"{option} supports --format text or json, not {output_format}")
    wanted = explain_code if explain_code is not None else repro_code
    doc = docs.doc_for(wanted)
    if doc is None:
        _fail(f"unknown rule code {wanted[:40]!r}; known codes: {', '.join(docs.known_codes())}")
    if explain_code is not None:
        _write(json.dumps(docs.as_dict(doc), indent=2) + "\n" if output_format == "json" else docs.as_text(doc), output)
        return EXIT_CLEAN

    from . import repros

    code = docs.repro_code(doc.code)
    if code is None:
        _fail(f"{doc.code} has no reproduction; `pvt-lint --explain {doc.code}` describes it")
    script = str(repros.script_path(code, fixed))
    try:
        result = repros.run(code, fixed=fixed, timeout=docs.REPRO_TIMEOUT)
    except KeyboardInterrupt:
        click.echo("pvt-lint: interrupted", err=True)
        return EXIT_INTERRUPTED
    if output_format == "json":
        _write(json.dumps(docs.repro_dict(result, doc.name, script), indent=2) + "\n", output)
    else:
        _write(docs.repro_text(result, doc.name, script), output)
    if not result.ok:
        expected = "fixed: " if fixed else "reproduced: "
        click.echo(f"pvt-lint: the {result.variant} {code} reproduction did not end with the expected "
                   f"{expected.strip()!r} verdict", err=True)
        return EXIT_FINDINGS
    return EXIT_CLEAN


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--select", metavar="CODES", help="Comma-separated code prefixes to enable (default: all).")
@click.option("--extend-select", metavar="CODES", help="Code prefixes to enable on top of the configured ones.")
@click.option("--ignore", metavar="CODES", help="Comma-separated code prefixes to disable.")
@click.option("--exclude", metavar="GLOB", multiple=True, help="Exclude paths matching GLOB (replaces the defaults).")
@click.option("--extend-exclude", metavar="GLOB", multiple=True, help="Exclude paths matching GLOB, on top of the defaults.")
@click.option("--format", "output_format", type=click.Choice(FORMAT_NAMES), default="text", show_default=True, help="Output format.")
@click.option("--color", type=click.Choice(("auto", "always", "never")), default="auto", show_default=True, help="Colour the text report: auto means on a terminal, unless NO_COLOR is set.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE instead of stdout.")
@click.option("--config", "config_file", type=click.Path(), help="Read [tool.pvt-lint] from this file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Show the number of findings per code.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes of the findings, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --fix-diff: apply the unsafe fixes too (they change behaviour beyond the bug; review them).")
@click.option("--fix-diff", is_flag=True, help="Print the fixes --fix would make as a unified diff, and write nothing.")
@click.option("--add-noqa", is_flag=True, help="Add a '# noqa: CODE' comment to every line with a finding (merged into an existing one), and report how many were added.")
@click.option("--show-source/--no-show-source", default=None, help="Show each finding's source line and a caret under its column (text format; default: off, or the config's show-source).")
@click.option("--show-files", is_flag=True, help="List the files a run would lint, and exit.")
@click.option("--show-settings", is_flag=True, help="Show the settings a run would use (after the config and options), and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--explain", "explain_code", metavar="CODE", help="Print the documentation of rule CODE (text, or --format json) and exit.")
@click.option("--repro", "repro_code", metavar="CODE", help="Run the bundled program that shows the bug of rule CODE; exit 0 if it does.")
@click.option("--fixed", is_flag=True, help="With --repro: run the fixed program instead; exit 0 if it works.")
@click.option("--diff", "diff_ref", metavar="REF", help="Lint only the Python files changed since the git revision REF (commits, staged, unstaged and untracked files).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, metavar="N", help="Worker processes (default 0: one per CPU).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), help="Result cache directory (default: .pvt_lint_cache in the project root).")
@click.option("--stdin-filename", metavar="NAME", help="Lint standard input (also read when PATHS is '-') as the file NAME: for the configuration, per-file-ignores and the report.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None, help="Leave out files git ignores when walking directories (default: on, or the config's respect-gitignore).")
@click.option("--force-exclude", is_flag=True, default=None, help="Apply excludes to paths named on the command line too (for pre-commit).")
@click.option("--target-version", metavar="VERSION", help="The oldest Python the program runs on: py38 ... py314 (default: the config's target-version, else from requires-python, else py38).")
@click.option("--platform", multiple=True, metavar="NAMES", help="Systems the program runs on: linux, macos, windows (repeat or comma-separate; default: all three).")
@click.version_option(__version__, "--version", prog_name="pvt-lint")
def main(**options) -> None:
    """Find the bugs that come from confusing processes with threads.

    PATHS are files or directories (searched for *.py); the default is the current directory.
    Exit status: 0 no findings, 1 findings, 2 usage, configuration or input error.
    """
    o = SimpleNamespace(**options)
    if o.explain_code is not None or o.repro_code is not None or o.fixed:
        sys.exit(_learn(o.explain_code, o.repro_code, o.fixed, o.output_format, o.output, o.paths))
    try:
        code = _run(o)
    except KeyboardInterrupt:
        click.echo("pvt-lint: interrupted", err=True)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``pvt-lint . | head -1``): stop quietly, as cat does.
        _silence_stdout()
        code = EXIT_CLEAN
    sys.exit(code)


def _run(o: SimpleNamespace) -> int:
    paths, output_format, quiet, diff_ref = o.paths, o.output_format, o.quiet, o.diff_ref
    if o.list_rules:
        _text_or_json("--list-rules", output_format)
        from .reporters import rules_listing

        _write(rules_listing(output_format), o.output)
        return EXIT_CLEAN
    if o.statistics:
        _text_or_json("--statistics", output_format)
    if o.show_source and output_format != "text":
        _fail(f"--show-source supports --format text, not {output_format}")
    if o.add_noqa and output_format != "text":
        _fail(f"--add-noqa supports --format text, not {output_format}")
    if o.fix_diff and (o.fix or o.add_noqa):
        _fail("--fix-diff shows the fixes and writes nothing: use it without --fix and --add-noqa")
    try:
        config = resolve_config(paths, o.config_file)
        config = _apply_options(config, o.select, o.ignore, o.extend_select, o.exclude, o.extend_exclude)
        if o.force_exclude is not None:
            config = config.replace(force_exclude=o.force_exclude)
        if o.respect_gitignore is not None:
            config = config.replace(respect_gitignore=o.respect_gitignore)
        if o.target_version is not None:
            config = config.replace(target_version=target_version(o.target_version, "--target-version"))
        if o.platform:
            names = [name.strip() for text in o.platform for name in text.split(",") if name.strip()]
            config = config.replace(platforms=platforms(names, "--platform"))
        config.python_versions()  # a requires-python that cannot be read fails here, not in the workers
    except ConfigError as exc:
        _fail(str(exc))

    if o.show_settings:
        _text_or_json("--show-settings", output_format)
        from .reporters import settings_listing

        _write(settings_listing(config, output_format), o.output)
        return EXIT_CLEAN
    if o.show_files:
        return _show_files(paths, config, output_format, o.output)

    from .reporters import FORMATS, statistics as render_statistics
    from .runner import lint_paths
    from .runner.cache import open_cache
    from .runner.gitdiff import GitDiffError

    stdin = _stdin_name(paths, o.stdin_filename, diff_ref)
    if stdin is not None and (o.add_noqa or o.fix):
        _fail(f"{'--add-noqa' if o.add_noqa else '--fix'} edits files: it cannot be used with standard input")
    stdin_data = b""
    try:
        if stdin is not None:
            from .runner.stdin import lint_stdin

            stdin_data = sys.stdin.buffer.read()
            report = lint_stdin(stdin_data, stdin, config)
        else:
            cache = None if o.no_cache else _usable_cache(open_cache(config, o.cache_dir or _cache_home(config, paths)))

            def lint(progress=_progress_bar if output_format == "text" and not quiet else None):
                return lint_paths(paths or (".",), config, jobs=o.jobs or os.cpu_count() or 1, cache=cache,
                                  progress=progress, changed_since=diff_ref)

            report = lint()
            if o.fix or o.fix_diff:
                report, fixed = _fix(report, lint, o)
                if o.fix_diff:
                    return EXIT_FINDINGS if fixed else EXIT_CLEAN
    except GitDiffError as exc:
        _fail(str(exc))
    if output_format not in FORMATS:
        _fail(f"output format {output_format!r} is not available")
    if o.add_noqa:
        return _add_noqa(report)
    rendered = FORMATS[output_format](report.findings)
    show_source = o.show_source if o.show_source is not None else config.show_source
    if show_source and output_format == "text" and not o.statistics:
        from .reporters import source_reader, with_source

        rendered = with_source(rendered, report.findings, source_reader(stdin, stdin_data))
    if o.statistics:
        rendered = render_statistics(report.findings, output_format)
    elif output_format == "text" and _wants_color(o.color, o.output):
        rendered = _colored(rendered)
    _write(rendered, o.output)

    for message in report.errors:
        click.echo(f"pvt-lint: error: {message}", err=True)
    for path, reason in report.skipped:
        click.echo(f"pvt-lint: warning: {path}: {reason}", err=True)
    if report.files == 0 and not report.errors and diff_ref is None and stdin is None:
        click.echo("pvt-lint: warning: no Python files found under the given paths", err=True)
    if not quiet:
        n = len(report.findings)
        summary = f"{n} finding{'s' if n != 1 else ''} in {report.files} file{'s' if report.files != 1 else ''}"
        summary += f" ({len(report.skipped)} file{'s' if len(report.skipped) != 1 else ''} skipped)"
        click.echo(summary, err=True)
    if report.errors:
        return EXIT_ERROR
    if report.findings and not o.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fix(report, lint, o):
    """--fix and --fix-diff (runner/fixes.py): the warnings and the count on stderr, the diff on stdout."""
    from .runner.fixes import fix_loop

    report, count, diff, problems = fix_loop(report, lambda: lint(None), o.unsafe_fixes, o.fix_diff)
    for message in problems:
        click.echo(f"pvt-lint: warning: {message}", err=True)
    if o.fix_diff:
        _write(diff, o.output)
    click.echo(f"{'Would fix' if o.fix_diff else 'Fixed'} {count} finding{'s' if count != 1 else ''}.", err=True)
    return report, count


def _add_noqa(report) -> int:
    """ruff's --add-noqa: no findings printed, one line saying how many comments were written."""
    from .runner.add_noqa import add_noqa

    added, warnings = add_noqa(report.findings)
    for message in report.errors:
        click.echo(f"pvt-lint: error: {message}", err=True)
    for path, reason in report.skipped:
        click.echo(f"pvt-lint: warning: {path}: {reason}", err=True)
    for message in warnings:
        click.echo(f"pvt-lint: warning: {message}", err=True)
    click.echo(f"Added {added} noqa directive{'s' if added != 1 else ''}.", err=True)
    return EXIT_ERROR if report.errors else EXIT_CLEAN


def _show_files(paths, config: Config, output_format: str, output) -> int:
    import json

    from .runner import Report
    from .runner.discovery import iter_python_files

    _text_or_json("--show-files", output_format)
    report = Report()
    files = sorted(iter_python_files(paths or (".",), config, report))
    _write(json.dumps(files, indent=2) + "\n" if output_format == "json" else "".join(f + "\n" for f in files), output)
    for message in report.errors:
        click.echo(f"pvt-lint: error: {message}", err=True)
    return EXIT_ERROR if report.errors else EXIT_CLEAN


def _wants_color(choice: str, output: Optional[str]) -> bool:
    """ruff's and the no-color.org rule: an explicit --color wins; auto means a terminal without NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    return not output and not os.environ.get("NO_COLOR") and sys.stdout.isatty()


def _colored(text: str) -> str:
    import re

    finding = re.compile(r"^(?P<place>[^\s].*?:\d+:\d+:) (?P<code>PVT\d{3}) ", re.MULTILINE)
    return finding.sub(
        lambda m: f"{click.style(m['place'], bold=True)} {click.style(m['code'], fg='red', bold=True)} ", text
    )


def _stdin_name(paths: tuple[str, ...], stdin_filename: Optional[str], diff_ref) -> Optional[str]:
    """The name standard input is linted as, or None when the run lints files (ruff's rules)."""
    if "-" not in paths and not (stdin_filename and not paths):
        return None
    if paths != ("-",) and paths:
        _fail("'-' (standard input) cannot be mixed with other paths")
    if diff_ref is not None:
        _fail("--diff does not go with standard input")
    from .runner.stdin import STDIN_NAME

    return stdin_filename or STDIN_NAME


PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def _cache_home(config: Config, paths: tuple[str, ...]) -> Optional[str]:
    """Without a configuration file the cache goes to the project root above the first path (the
    nearest directory with a pyproject.toml, setup.cfg, setup.py or .git), not the working directory;
    None leaves it to the configuration's root."""
    if config.source:
        return None
    from .runner.cache import DIRECTORY_NAME

    here = Path(paths[0] if paths else ".").resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        if any((directory / marker).exists() for marker in PROJECT_MARKERS):
            return str(directory / DIRECTORY_NAME)
    return None


def _usable_cache(cache):
    """The cache, or None after a warning when its directory cannot be written (ruff warns too)."""
    problem = cache.unusable()
    if problem is None:
        return cache
    click.echo(f"pvt-lint: warning: cannot use the cache directory {cache.directory}: {problem}; "
               "running without the cache", err=True)
    return None


# A bar for a handful of files only flickers.
PROGRESS_MIN_FILES = 300


@contextmanager
def _progress_bar(total: int):
    """click's progress bar on stderr, only on an interactive terminal and for many files."""
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
        yield lambda done: None
        return
    with click.progressbar(length=total, label="pvt-lint", file=sys.stderr) as bar:
        yield bar.update


def _write(text: str, output: Optional[str]) -> None:
    # A file name that is not valid UTF-8 reaches here with surrogate escapes, which no UTF-8 stream
    # accepts: show its bytes as \xNN instead (the name on stderr is escaped by Python the same way).
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
