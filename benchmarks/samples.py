"""The real-code samples of `real-code.md`: lint them with one pvt-lint, save every finding, compare two runs.

    python benchmarks/samples.py run --pvt-lint /path/.venv/bin/pvt-lint --out /tmp/findings_head
    python benchmarks/samples.py run --pvt-lint /old/.venv/bin/pvt-lint --out /tmp/findings_base
    python benchmarks/samples.py diff /tmp/findings_base /tmp/findings_head      # new and vanished findings
    python benchmarks/samples.py fix --pvt-lint /path/.venv/bin/pvt-lint          # --fix on copies, checked

The samples, chosen before any output was read:
- `corpora`: the pinned sdists of `corpora.lock.json` (the concurrency set and django);
- `wider`: the "wider" set of the same lock file (31 packages that use threads and locks in library code);
- `site-packages`: the running interpreter's own site-packages (`--python`, default this interpreter);
- `stdlib`: that interpreter's `Lib/`, its `test/` included, site-packages left out.

Each sdist is linted as its own project (`pvt-lint .` in its root: the whole tree, tests and examples
included, `--exclude ''`, `--no-cache`), so the project stage sees one package at a time, as a user who
runs pvt-lint in that repository would. A finding is saved as `<sample>/<tree>/<path>:<line> <code>
<message>`; `diff` compares by (tree, path, line, code), since wording changes between versions, and
prints the message of the newer run. No timing is measured. Standard library only.

`fix` copies every tree with a fixable finding to a temporary folder and runs `--fix --unsafe-fixes` there
on the files with fixable findings (as pre-commit would), then checks what it did: every changed line of
the original lies in an edit of the first analysis's fixes (or at an insertion point), every changed file
compiles, and no finding a fix was offered for is still reported. It prints one line per tree and the totals.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import corpora

SAMPLES = ("corpora", "wider", "site-packages", "stdlib")


def trees(sample: str, python: str) -> list[tuple[str, Path, list[str]]]:
    """(name, root, extra pvt-lint arguments) for every tree of a sample."""
    if sample in ("corpora", "wider"):
        sets = ("concurrency", "django") if sample == "corpora" else ("wider",)
        paths = [path for corpus_set in sets for path in corpora.ensure(corpus_set)]
        return [(path.name, path, []) for path in paths]
    query = "import sysconfig, json; print(json.dumps(sysconfig.get_paths()))"
    paths = json.loads(subprocess.run([python, "-c", query], capture_output=True, text=True, check=True).stdout)
    if sample == "site-packages":
        return [("site-packages", Path(paths["purelib"]), [])]
    return [("stdlib", Path(paths["stdlib"]), ["--extend-exclude", "site-packages"])]


def lint(pvt_lint: list[str], root: Path, extra: list[str]) -> tuple[list[dict], str]:
    argv = [*pvt_lint, "--no-cache", "--exclude", "", *extra, "--format", "json", "--exit-zero", "."]
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"samples.py: {' '.join(argv)} in {root} exited {done.returncode}:\n{done.stderr}")
    return json.loads(done.stdout), done.stderr


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tracebacks = 0
    for sample in args.samples:
        saved = []
        for name, root, extra in trees(sample, args.python):
            findings, stderr = lint(args.pvt_lint.split(), root, extra)
            tracebacks += stderr.count("Traceback (most recent call last):")
            for finding in findings:
                path = finding["path"].removeprefix("./")
                saved.append({"tree": name, "path": path, "line": finding["line"],
                              "code": finding["code"], "message": finding["message"]})
            print(f"{sample}/{name}: {len(findings)} findings", file=sys.stderr)
        saved.sort(key=lambda f: (f["tree"], f["path"], f["line"], f["code"]))
        (out / f"{sample}.json").write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
        print(f"{sample}: {len(saved)} findings", file=sys.stderr)
    if tracebacks:
        print(f"samples.py: {tracebacks} tracebacks on stderr", file=sys.stderr)
    return 1 if tracebacks else 0


def _load(directory: Path, sample: str) -> dict[tuple, dict]:
    path = directory / f"{sample}.json"
    if not path.exists():
        return {}
    return {(f["tree"], f["path"], f["line"], f["code"]): f for f in json.loads(path.read_text(encoding="utf-8"))}


def diff(args: argparse.Namespace) -> int:
    for sample in SAMPLES:
        base, head = _load(Path(args.base), sample), _load(Path(args.head), sample)
        if not base and not head:
            continue
        new = sorted(set(head) - set(base))
        gone = sorted(set(base) - set(head))
        print(f"## {sample}: base {len(base)}, head {len(head)}, new {len(new)}, vanished {len(gone)}")
        for sign, keys, source in (("+", new, head), ("-", gone, base)):
            for key in keys:
                finding = source[key]
                print(f"{sign} {finding['tree']}/{finding['path']}:{finding['line']} {finding['code']} {finding['message']}")
    return 0


def fix(args: argparse.Namespace) -> int:
    command = args.pvt_lint.split()
    totals = {"trees": 0, "files": 0, "fixed": 0, "outside": 0, "not compiling": 0, "still reported": 0}
    for sample in args.samples:
        for name, root, extra in trees(sample, args.python):
            findings, _ = lint(command, root, extra)
            fixable = [f for f in findings if f.get("fix")]
            if not fixable:
                continue
            with tempfile.TemporaryDirectory(prefix="pvt-fix-") as folder:
                copy = Path(folder) / "tree"
                shutil.copytree(root, copy, symlinks=True)
                paths = sorted({f["path"] for f in fixable})
                argv = [*command, "--cache-dir", str(Path(folder) / "cache"), "--exclude", "", *extra,
                        "--fix", "--unsafe-fixes", "--exit-zero", "-q", *paths]
                done = subprocess.run(argv, cwd=copy, capture_output=True, text=True)
                fixed = sum(int(n) for n in re.findall(r"^Fixed (\d+) findings?", done.stderr, re.M))
                outside = not_compiling = 0
                for path in paths:
                    before = (root / path).read_text(encoding="utf-8", errors="surrogateescape").splitlines()
                    after = (copy / path).read_text(encoding="utf-8", errors="surrogateescape").splitlines()
                    edits = [e for f in fixable if f["path"] == path for e in f["fix"]["edits"]]
                    outside += _outside(before, after, edits)
                    compiled = subprocess.run([args.python, "-m", "py_compile", str(copy / path)], capture_output=True)
                    not_compiling += compiled.returncode != 0
                again, _ = lint(command, copy, extra)
                left = {(f["path"], f["code"], f["message"]) for f in again}
                still = sum((f["path"], f["code"], f["message"]) in left for f in fixable)
            totals["trees"] += 1
            totals["files"] += len(paths)
            totals["fixed"] += fixed
            totals["outside"] += outside
            totals["not compiling"] += not_compiling
            totals["still reported"] += still
            print(f"{sample}/{name}: {len(fixable)} fixable findings in {len(paths)} files, fixed {fixed}; "
                  f"changed lines outside the edits {outside}, files not compiling {not_compiling}, "
                  f"fixed findings still reported {still}")
    print("totals: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 1 if totals["outside"] or totals["not compiling"] or totals["still reported"] else 0


def _outside(before: list[str], after: list[str], edits: list[dict]) -> int:
    """How many changed lines of ``before`` lie outside every edit (1-based rows, inclusive; an insertion
    may also change the line where it lands)."""
    allowed = set()
    for edit in edits:
        first, last = edit["location"]["row"], edit["end_location"]["row"]
        allowed.update(range(first, last + 1))
    out = 0
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        rows = range(i1 + 1, i2 + 1) if i2 > i1 else range(i1, i1 + 2)  # a pure insertion: the rows around it
        if i2 > i1:
            out += sum(row not in allowed for row in rows)
        elif not any(row in allowed for row in rows):
            out += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser("run", help="lint the samples and save every finding")
    run_cmd.add_argument("--pvt-lint", required=True, help="the pvt-lint command (split on spaces)")
    run_cmd.add_argument("--out", required=True, help="directory for <sample>.json")
    run_cmd.add_argument("--samples", nargs="+", choices=SAMPLES, default=list(SAMPLES))
    run_cmd.add_argument("--python", default=sys.executable, help="the interpreter whose Lib/ and site-packages")
    fix_cmd = commands.add_parser("fix", help="--fix --unsafe-fixes on copies of the samples, checked")
    fix_cmd.add_argument("--pvt-lint", required=True, help="the pvt-lint command (split on spaces)")
    fix_cmd.add_argument("--samples", nargs="+", choices=SAMPLES, default=list(SAMPLES))
    fix_cmd.add_argument("--python", default=sys.executable, help="the interpreter whose Lib/ and site-packages")
    diff_cmd = commands.add_parser("diff", help="new and vanished findings between two saved runs")
    diff_cmd.add_argument("base")
    diff_cmd.add_argument("head")
    args = parser.parse_args(argv)
    return {"run": run, "fix": fix, "diff": diff}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
