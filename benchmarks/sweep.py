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
    not_analysed: collections.Counter = field(default_factory=collections.Counter)
    summary: dict = field(default_factory=dict)
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


def split_report(payload) -> tuple[list[dict], dict]:
    """Findings and everything else from the JSON reporter, whichever of the plain shapes it uses."""
    if isinstance(payload, list):
        return payload, {}
    if isinstance(payload, dict):
        for key in ("findings", "results", "diagnostics"):
            if isinstance(payload.get(key), list):
                return payload[key], {k: v for k, v in payload.items() if k != key}
    raise ValueError(f"unrecognised JSON report of type {type(payload).__name__}")


def files_linted_from(summary: dict) -> int | None:
    for container in (summary, summary.get("summary") if isinstance(summary.get("summary"), dict) else {}):
        for key in ("files_linted", "files_checked", "files_analysed", "files_analyzed", "files"):
            value = container.get(key)
            if isinstance(value, int):
                return value
    return None


def not_analysed_from(summary: dict, stderr: str) -> collections.Counter:
    """Reasons the CLI gives for files it did not analyse, from its JSON summary or else its stderr."""
    reasons: collections.Counter = collections.Counter()
    containers = [summary] + [v for v in summary.values() if isinstance(v, dict)]
    for container in containers:
        for key, value in container.items():
            if not re.search(r"skip|not_analy|excluded|unreadable|error", key):
                continue
            if isinstance(value, int):
                reasons[key] += value
            elif isinstance(value, list):
                for item in value:
                    reason = item.get("reason", key) if isinstance(item, dict) else key
                    reasons[str(reason)] += 1
            elif isinstance(value, dict):
                for reason, count in value.items():
                    reasons[f"{key}: {reason}"] += count if isinstance(count, int) else len(count)
    if not reasons:
        for line in stderr.splitlines():
            line = line.strip()
            if not line or line.startswith((TRACEBACK, "File ", "  ")):
                continue
            # `path: reason` lines: keep the reason so that counts group by it.
            reason = line.split(": ", 1)[1] if ": " in line and not line.startswith(" ") else line
            reasons[reason[:160]] += 1
    return reasons


def sweep_group(pvt: pvt_command.PvtCommand, group: str, roots: list[Path], cwd: Path) -> GroupResult:
    result = GroupResult(group, [str(r) for r in roots], count_py(roots))
    args = ["--format", "json", "--exit-zero"]
    if pvt.has("--no-cache"):
        args.append("--no-cache")
    proc = subprocess.run(pvt.argv(*args, *map(str, roots)), cwd=cwd, env=pvt.env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    result.returncode = proc.returncode
    result.tracebacks = proc.stderr.count(TRACEBACK)
    if proc.returncode != 0:
        result.problems.append(f"exit {proc.returncode}: {proc.stderr.strip()[-1500:]}")
    try:
        findings, summary = split_report(json.loads(proc.stdout))
    except ValueError as error:  # json.JSONDecodeError is a ValueError too
        result.problems.append(f"stdout is not a JSON report ({error}); first bytes: {proc.stdout[:300]!r}")
        findings, summary = [], {}
    result.summary = summary
    result.codes.update(f.get("code", "?") for f in findings)
    result.files_linted = files_linted_from(summary)
    stderr_without_tracebacks = proc.stderr if not result.tracebacks else ""
    result.not_analysed = not_analysed_from(summary, stderr_without_tracebacks)
    if result.tracebacks:
        first = proc.stderr.index(TRACEBACK)
        result.problems.append("traceback on stderr:\n" + proc.stderr[first:first + 3000])
    return result


def markdown(results: list[GroupResult], version: str, python: str) -> str:
    codes = sorted({code for r in results for code in r.codes})
    lines = [
        f"{version}; interpreter {python}.",
        "",
        "| group | `.py` files in tree | files linted (CLI) | findings | PVT000 | tracebacks | exit |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        linted = r.files_linted if r.files_linted is not None else "not reported"
        lines.append(f"| {r.group} | {r.py_files} | {linted} | {sum(r.codes.values())} | {r.codes['PVT000']} "
                     f"| {r.tracebacks} | {r.returncode} |")
    lines += ["", "Findings per code:", "", "| code | " + " | ".join(r.group for r in results) + " |",
              "| --- |" + " ---: |" * len(results)]
    for code in codes:
        lines.append(f"| {code} | " + " | ".join(str(r.codes[code]) for r in results) + " |")
    if not codes:
        lines.append("| (none) |" + " |" * len(results))
    lines += ["", "Files not analysed, by reason:", ""]
    any_reason = False
    for r in results:
        for reason, count in r.not_analysed.most_common():
            lines.append(f"- {r.group}: {count} × {reason}")
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
    parser.add_argument("--markdown-out", type=Path)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    try:
        pvt = pvt_command.detect(args.python)
    except pvt_command.PvtUnavailable as error:
        print(f"sweep.py: cannot run pvt-lint: {error}", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="pvt-lint-sweep-") as cwd:
        for group in args.groups:
            roots = stdlib_paths(args.python) if group == "stdlib" else corpora.ensure(group)
            print(f"sweep.py: {group}: {len(roots)} roots", file=sys.stderr, flush=True)
            results.append(sweep_group(pvt, group, roots, Path(cwd)))
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
             "not_analysed": dict(r.not_analysed), "summary": r.summary, "problems": r.problems}
            for r in results
        ]
        args.json_out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r.tracebacks or r.returncode or r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
