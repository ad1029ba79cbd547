"""Lint every file of the pinned corpora and of the interpreter's standard library; count what happens.

    python benchmarks/sweep.py --python /tmp/venv/bin/python [--groups django concurrency stdlib]
        [--markdown-out FILE] [--json-out FILE]

Per group, one `pvt-lint --format json --exit-zero` run (plus `--no-cache` when the CLI has it, so every
file is really analysed) over: django; the 18 concurrency sdists; the `--python` interpreter's
`sysconfig.get_paths()["stdlib"]` without its site-packages. Reported: files linted, findings per code,
the PVT000 count (files that do not parse), the number of Python tracebacks on stderr (must be 0), and
files not analysed with the reason the CLI gives. The exit status is 1 when a traceback appears or a run
fails. No timing is measured or asserted.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import corpora
import pvt_command

GROUPS = ("django", "concurrency", "stdlib")
TRACEBACK = "Traceback (most recent call last):"
# Not the standard library: third-party packages that happen to live inside the stdlib directory.
STDLIB_SKIP = {"site-packages", "dist-packages"}


@dataclass
class GroupResult:
    group: str
    roots: list[str]
    py_files: int
    returncode: int = 0
    files_linted: int | None = None
    codes: collections.Counter = field(default_factory=collections.Counter)
    tracebacks: int = 0
    skipped_total: int | None = None
    not_analysed: collections.Counter = field(default_factory=collections.Counter)
    examples: dict = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    unparsable: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def stdlib_paths(python: str) -> list[Path]:
    code = "import sysconfig; print(sysconfig.get_paths()['stdlib'])"
    out = subprocess.run([python, "-c", code], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    root = Path(out)
    return sorted(p for p in root.iterdir() if p.name not in STDLIB_SKIP and (p.is_dir() or p.suffix == ".py"))


def count_py(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.suffix == ".py"
        else:
            total += sum(1 for p in path.rglob("*.py") if p.is_file())
    return total


def split_report(payload) -> list[dict]:
    """The findings of the JSON reporter: a list today; a {"findings": [...]} object is accepted too."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("findings"), list):
        return payload["findings"]
    raise ValueError(f"unrecognised JSON report of type {type(payload).__name__}")


# What the CLI prints on stderr (pvt_lint/cli.py): one warning per file it did not analyse, then a summary.
SKIPPED_LINE = re.compile(r"^pvt-lint: warning: (?P<path>.+?): (?P<reason>.+)$")
SUMMARY_LINE = re.compile(
    r"^(?P<findings>\d+) findings? in (?P<files>\d+) files?(?: \((?P<skipped>\d+) files? skipped\))?$"
)
ERROR_LINE = re.compile(r"^pvt-lint: (?:error|warning): ")


def read_stderr(stderr: str, result: GroupResult) -> None:
    """Files linted, skipped files by reason and CLI errors, from the CLI's stderr."""
    for line in stderr.splitlines():
        if summary := SUMMARY_LINE.match(line):
            result.files_linted = int(summary["files"])
            result.skipped_total = int(summary["skipped"] or 0)
        elif skipped := SKIPPED_LINE.match(line):
            # Group by the reason without its specifics ("(1234 > 1000 bytes)", the parser's message).
            reason = re.sub(r"\s*\(.*\)$", "", skipped["reason"])
            result.not_analysed[reason] += 1
            result.examples.setdefault(reason, f"{skipped['path']}: {skipped['reason']}")
        elif ERROR_LINE.match(line):
            result.problems.append(line)


def sweep_group(pvt: pvt_command.PvtCommand, group: str, roots: list[Path], cwd: Path,
                every_file: bool) -> GroupResult:
    result = GroupResult(group, [str(r) for r in roots], count_py(roots))
    args = ["--format", "json", "--exit-zero"]
    if pvt.has("--no-cache"):
        args.append("--no-cache")
    if every_file and pvt.has("--exclude"):
        # --exclude replaces the default excludes (build, dist, venv, ...), which would hide the standard
        # library's own `venv` package; __pycache__ holds no .py file, so nothing is left out.
        args += ["--exclude", "__pycache__"]
    result.flags = args
    proc = subprocess.run(pvt.argv(*args, *map(str, roots)), cwd=cwd, env=pvt.env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    result.returncode = proc.returncode
    result.tracebacks = proc.stderr.count(TRACEBACK)
    if proc.returncode != 0:
        result.problems.append(f"exit {proc.returncode}: {proc.stderr.strip()[-1500:]}")
    try:
        findings = split_report(json.loads(proc.stdout))
    except ValueError as error:  # json.JSONDecodeError is a ValueError too
        result.problems.append(f"stdout is not a JSON report ({error}); first bytes: {proc.stdout[:300]!r}")
        findings = []
    result.codes.update(f.get("code", "?") for f in findings)
    result.unparsable = sorted({f.get("path", "?") for f in findings if f.get("code") == "PVT000"})
    read_stderr(proc.stderr, result)
    if result.tracebacks:
        first = proc.stderr.index(TRACEBACK)
        result.problems.append("traceback on stderr:\n" + proc.stderr[first:first + 3000])
    return result


def markdown(results: list[GroupResult], version: str, python: str) -> str:
    codes = sorted({code for r in results for code in r.codes})
    lines = [
        f"{version}; interpreter {python}.",
        "",
        *sorted({f"Command: `pvt-lint {' '.join(r.flags)} ROOTS`." for r in results}),
        "",
        "| group | `.py` files in tree | files linted (CLI) | not analysed | findings | PVT000 | tracebacks | exit |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        linted = r.files_linted if r.files_linted is not None else "not reported"
        skipped = r.skipped_total if r.skipped_total is not None else sum(r.not_analysed.values())
        lines.append(f"| {r.group} | {r.py_files} | {linted} | {skipped} | {sum(r.codes.values())} "
                     f"| {r.codes['PVT000']} | {r.tracebacks} | {r.returncode} |")
    lines += ["", "Findings per code:", "", "| code | " + " | ".join(r.group for r in results) + " |",
              "| --- |" + " ---: |" * len(results)]
    for code in codes:
        lines.append(f"| {code} | " + " | ".join(str(r.codes[code]) for r in results) + " |")
    if not codes:
        lines.append("| (none) |" + " |" * len(results))
    lines += ["", "Files reported as PVT000 (do not parse):", ""]
    for r in results:
        lines += [f"- {r.group}: `{path}`" for path in r.unparsable]
    if not any(r.unparsable for r in results):
        lines.append("- none")
    lines += ["", "Files not analysed, by reason:", ""]
    any_reason = False
    for r in results:
        for reason, count in r.not_analysed.most_common():
            lines.append(f"- {r.group}: {count} × {reason} (e.g. `{r.examples[reason]}`)")
            any_reason = True
    if not any_reason:
        lines.append("- none reported")
    for r in results:
        for problem in r.problems:
            lines += ["", f"Problem in {r.group}:", "", "```", problem, "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter with libcst and click for pvt-lint")
    parser.add_argument("--groups", nargs="+", choices=GROUPS, default=list(GROUPS))
    parser.add_argument("--default-excludes", action="store_true",
                        help="keep the CLI's default excludes instead of linting every file")
    parser.add_argument("--markdown-out", type=Path)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    results = []
    with tempfile.TemporaryDirectory(prefix="pvt-lint-sweep-") as tmp:
        cwd = Path(tmp) / "cwd"
        cwd.mkdir()
        try:
            pvt = pvt_command.detect(args.python, Path(tmp))
        except pvt_command.PvtUnavailable as error:
            print(f"sweep.py: cannot run pvt-lint: {error}", file=sys.stderr)
            return 2
        for group in args.groups:
            roots = stdlib_paths(args.python) if group == "stdlib" else corpora.ensure(group)
            print(f"sweep.py: {group}: {len(roots)} roots", file=sys.stderr, flush=True)
            results.append(sweep_group(pvt, group, roots, cwd, every_file=not args.default_excludes))
    python = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                            stdout=subprocess.PIPE, text=True).stdout.strip()
    report = markdown(results, pvt.version, f"CPython {python}")
    print(report)
    if args.markdown_out:
        args.markdown_out.write_text(report, encoding="utf-8")
    if args.json_out:
        data = [
            {"group": r.group, "roots": r.roots, "py_files": r.py_files, "returncode": r.returncode,
             "files_linted": r.files_linted, "codes": dict(r.codes), "tracebacks": r.tracebacks,
             "skipped_total": r.skipped_total, "not_analysed": dict(r.not_analysed), "examples": r.examples,
             "flags": r.flags, "unparsable": r.unparsable, "problems": r.problems}
            for r in results
        ]
        args.json_out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r.tracebacks or r.returncode or r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
