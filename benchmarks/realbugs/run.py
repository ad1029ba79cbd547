"""Real-bug regression set: does pvt-lint find concurrency bugs that public projects fixed?

Every bug in `manifest.json` beside this file is a process/thread mistake that a public project fixed, with
the release that has the bug and the release that has the fix, both on PyPI as sdists pinned by sha256.
The script fetches both sdists into a cache outside the repository, lints each as a user would (the
package directory, so facts from other modules are visible), and scores:

- FOUND: a finding of the expected code (`rule`) lies in one of the bug's files at one of its line ranges
  (a finding matches when its lines [line, end_line] meet a range widened by `--tolerance` lines);
- FOUND (rule, related): the same, also counting a finding one of whose related locations (the
  write, the dispatch or the attribute it names) lies in one of those ranges;
- FOUND (any): the same as FOUND with any PVT code;
- fixed: every finding, of any code, in the bug's files of the fixed release (these should be zero).

    python benchmarks/realbugs/run.py                         # all bugs, table on stdout
    python benchmarks/realbugs/run.py --only redis-connection-pool --pvt-lint "/other/checkout/.venv/bin/pvt-lint"
    python benchmarks/realbugs/run.py --json results.json     # also write the per-bug results
    python benchmarks/realbugs/run.py --lock [--only NAME]    # download unpinned entries, write their sha256

The cache is `~/.cache/pvt-lint/realbugs`, or `$PVT_LINT_REALBUGS` when set. Downloading, hashing and
extracting reuse `benchmarks/corpora.py` (pip with `--require-hashes`, then the hash checked again before
extracting). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
sys.path.insert(0, str(HERE.parent))

import corpora  # noqa: E402  (benchmarks/corpora.py: pip download, sha256 check, safe extraction)


def cache_dir() -> Path:
    override = os.environ.get("PVT_LINT_REALBUGS")
    if override:
        return Path(override).expanduser().resolve()
    return Path.home() / ".cache" / "pvt-lint" / "realbugs"


@dataclass
class Release:
    project: str
    version: str
    sha256: str | None
    filename: str | None
    lint: list[str]
    locations: list[dict]

    def corpus(self) -> corpora.Corpus:
        return corpora.Corpus(self.project, self.version, "realbugs", self.sha256, self.filename)

    def files(self) -> set[str]:
        return {loc["path"] for loc in self.locations}


@dataclass
class Bug:
    name: str
    rule: str
    cross_module: bool
    description: str
    buggy: Release
    fixed: Release
    raw: dict = field(repr=False)


def load_manifest(path: Path = MANIFEST) -> tuple[dict, list[Bug]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    bugs = []
    for entry in data["bugs"]:
        releases = []
        for side in ("buggy", "fixed"):
            rel = entry[side]
            releases.append(Release(
                project=entry["project"],
                version=rel["version"],
                sha256=rel.get("sha256"),
                filename=rel.get("filename"),
                lint=rel.get("lint", entry["lint"]),
                locations=rel["locations"],
            ))
        bugs.append(Bug(entry["name"], entry["rule"], bool(entry["cross_module"]), entry["description"],
                        releases[0], releases[1], entry))
    return data, bugs


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fetch(release: Release, root: Path) -> Path:
    """The extracted sdist root of `release`, downloaded and verified on first use."""
    corpus = release.corpus()
    sdist, digest = corpora.download(corpus, root)
    return corpora.extract(corpus, sdist, digest, root)


def default_pvt_lint() -> str:
    sibling = Path(sys.executable).with_name("pvt-lint")
    if sibling.is_file():
        return str(sibling)
    found = shutil.which("pvt-lint")
    if found:
        return found
    repo_venv = HERE.parent.parent / ".venv" / "bin" / "pvt-lint"
    return str(repo_venv)


def run_pvt_lint(command: list[str], tree: Path, paths: list[str], jobs: int) -> list[dict]:
    """Lint `paths` (relative to the sdist root `tree`) as a user would, from the sdist root."""
    missing = [p for p in paths if not (tree / p).exists()]
    if missing:
        raise RuntimeError(f"{tree.name}: lint paths not in the sdist: {', '.join(missing)}")
    argv = [*command, "--format", "json", "--no-cache", "--exclude", "", "--exit-zero", "-q"]
    if jobs:
        argv += ["-j", str(jobs)]
    argv += paths
    result = subprocess.run(argv, cwd=tree, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # --exit-zero: any other status is a usage, configuration or input error, never "findings".
    if result.returncode != 0:
        raise RuntimeError(f"{tree.name}: {shlex.join(argv)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    try:
        findings = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"{tree.name}: pvt-lint did not print JSON ({error}):\n{result.stdout[:2000]}") from error
    if not isinstance(findings, list):
        raise RuntimeError(f"{tree.name}: pvt-lint printed JSON that is not a list of findings")
    for finding in findings:
        finding["path"] = Path(os.path.normpath(finding["path"])).as_posix()
    return findings


def _meets(finding: dict, ranges: list[list[int]], tolerance: int, related: bool = False) -> bool:
    first = finding["line"]
    last = max(first, finding.get("end_line") or first)
    spans = [(first, last)] + ([(r["line"], r["line"]) for r in finding.get("related") or ()] if related else [])
    return any(a <= hi + tolerance and b >= lo - tolerance for a, b in spans for lo, hi in ranges)


def located(findings: list[dict], release: Release, tolerance: int, codes: set[str] | None,
            related: bool = False) -> list[dict]:
    """The findings that lie at one of `release`'s locations (of one of `codes`, or any code when None);
    with `related`, a finding also counts when one of its related locations (same file) lies there."""
    hits = []
    for loc in release.locations:
        for finding in findings:
            if finding["path"] != loc["path"]:
                continue
            if codes is not None and finding["code"] not in codes:
                continue
            if _meets(finding, loc["lines"], tolerance, related):
                hits.append(finding)
    return hits


def in_files(findings: list[dict], release: Release) -> list[dict]:
    files = release.files()
    return [f for f in findings if f["path"] in files]


def evaluate(bug: Bug, command: list[str], root: Path, tolerance: int, jobs: int) -> dict:
    result: dict = {"name": bug.name, "project": bug.buggy.project, "rule": bug.rule,
                    "cross_module": bug.cross_module, "buggy_version": bug.buggy.version,
                    "fixed_version": bug.fixed.version}
    try:
        buggy_tree = fetch(bug.buggy, root)
        fixed_tree = fetch(bug.fixed, root)
        buggy = run_pvt_lint(command, buggy_tree, bug.buggy.lint, jobs)
        fixed = run_pvt_lint(command, fixed_tree, bug.fixed.lint, jobs)
    except (corpora.CorpusError, RuntimeError, OSError) as error:
        result["error"] = str(error)
        return result
    expected = located(buggy, bug.buggy, tolerance, {bug.rule})
    pointed = located(buggy, bug.buggy, tolerance, {bug.rule}, related=True)
    anything = located(buggy, bug.buggy, tolerance, None)
    on_fixed = in_files(fixed, bug.fixed)
    result.update(
        found=bool(expected),
        found_related=bool(pointed),
        found_any=bool(anything),
        found_codes=sorted({f["code"] for f in anything}),
        buggy_findings_in_files=len(in_files(buggy, bug.buggy)),
        fixed_findings_in_files=len(on_fixed),
        fixed_findings=[{k: f[k] for k in ("path", "line", "code")} for f in on_fixed],
        hits=[{k: f[k] for k in ("path", "line", "code", "message")} for f in anything],
    )
    return result


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def table(results: list[dict]) -> str:
    lines = [
        "| bug | project | buggy → fixed | rule | cross-module | found (rule) | found (any PVT) | findings on fixed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['name']} | {r['project']} | {r['buggy_version']} → {r['fixed_version']} | {r['rule']} "
                         f"| {'yes' if r['cross_module'] else 'no'} | error | error | error |")
            continue
        any_cell = "yes (" + ", ".join(r["found_codes"]) + ")" if r["found_any"] else "no"
        lines.append(
            f"| {r['name']} | {r['project']} | {r['buggy_version']} → {r['fixed_version']} | {r['rule']} "
            f"| {'yes' if r['cross_module'] else 'no'} | {'**yes**' if r['found'] else 'no'} | {any_cell} "
            f"| {r['fixed_findings_in_files']} |"
        )
    ok = [r for r in results if "error" not in r]
    cross = [r for r in ok if r["cross_module"]]
    single = [r for r in ok if not r["cross_module"]]
    lines += [
        "",
        "| totals | cross-module | single-module | all |",
        "| --- | --- | --- | --- |",
        f"| recall, expected rule | {_pct(sum(r['found'] for r in cross), len(cross))} "
        f"| {_pct(sum(r['found'] for r in single), len(single))} | {_pct(sum(r['found'] for r in ok), len(ok))} |",
        f"| recall, expected rule, a related location counting | {_pct(sum(r['found_related'] for r in cross), len(cross))} "
        f"| {_pct(sum(r['found_related'] for r in single), len(single))} "
        f"| {_pct(sum(r['found_related'] for r in ok), len(ok))} |",
        f"| recall, any PVT code | {_pct(sum(r['found_any'] for r in cross), len(cross))} "
        f"| {_pct(sum(r['found_any'] for r in single), len(single))} | {_pct(sum(r['found_any'] for r in ok), len(ok))} |",
        f"| findings on fixed versions (files involved) | {sum(r['fixed_findings_in_files'] for r in cross)} "
        f"| {sum(r['fixed_findings_in_files'] for r in single)} | {sum(r['fixed_findings_in_files'] for r in ok)} |",
        f"| fixed versions with any finding | {sum(bool(r['fixed_findings_in_files']) for r in cross)} "
        f"| {sum(bool(r['fixed_findings_in_files']) for r in single)} "
        f"| {sum(bool(r['fixed_findings_in_files']) for r in ok)} |",
    ]
    errors = [r for r in results if "error" in r]
    if errors:
        lines += ["", f"{len(errors)} bug(s) could not be run:"] + [f"- {r['name']}: {r['error'].splitlines()[0]}" for r in errors]
    return "\n".join(lines)


def pvt_version(command: list[str]) -> str:
    result = subprocess.run([*command, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return result.stdout.strip() or f"exit {result.returncode}"


def lock(only: list[str] | None) -> int:
    """Download every release without a sha256 (or those of `only`) and write the pins into the manifest."""
    data, bugs = load_manifest()
    root = cache_dir()
    wanted = set(only or [])
    pins: dict[tuple[str, str], tuple[str, str]] = {}
    for bug in bugs:
        if wanted and bug.name not in wanted:
            continue
        for release in (bug.buggy, bug.fixed):
            key = (release.project, release.version)
            if key in pins or (release.sha256 and not wanted):
                continue
            unpinned = corpora.Corpus(release.project, release.version, "realbugs", None, None)
            if release.filename:
                (root / "sdists" / release.filename).unlink(missing_ok=True)
            sdist, digest = corpora.download(unpinned, root, allow_unpinned=True)
            corpora.extract(unpinned, sdist, digest, root)
            pins[key] = (sdist.name, digest)
            _log(f"{release.project}-{release.version}: {sdist.name} sha256 {digest}")
    for entry in data["bugs"]:
        for side in ("buggy", "fixed"):
            key = (entry["project"], entry[side]["version"])
            if key in pins:
                entry[side]["filename"], entry[side]["sha256"] = pins[key]
    MANIFEST.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these bugs (manifest names)")
    parser.add_argument("--pvt-lint", metavar="COMMAND", default=None,
                        help="the pvt-lint command to run (split like a shell would); default: the one beside "
                             "this Python, else on PATH")
    parser.add_argument("--tolerance", type=int, default=0, metavar="N",
                        help="widen every bug line range by N lines on each side (default 0: the ranges "
                             "already cover the statements involved)")
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                        help="pvt-lint worker processes (default 1; 0 lets pvt-lint choose)")
    parser.add_argument("--json", metavar="FILE", help="also write the per-bug results as JSON")
    parser.add_argument("--lock", action="store_true",
                        help="download the releases without a sha256 (or the --only bugs) and pin them")
    args = parser.parse_args(argv)

    if args.lock:
        try:
            return lock(args.only)
        except corpora.CorpusError as error:
            print(f"run.py: {error}", file=sys.stderr)
            return 1

    _, bugs = load_manifest()
    if args.only:
        unknown = set(args.only) - {b.name for b in bugs}
        if unknown:
            print(f"run.py: not in the manifest: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        bugs = [b for b in bugs if b.name in set(args.only)]
    unpinned = [f"{b.name} ({r.version})" for b in bugs for r in (b.buggy, b.fixed) if not r.sha256]
    if unpinned:
        print(f"run.py: releases without a sha256: {', '.join(unpinned)}; run `run.py --lock`", file=sys.stderr)
        return 2

    command = shlex.split(args.pvt_lint) if args.pvt_lint else [default_pvt_lint()]
    root = cache_dir()
    results = []
    for bug in bugs:
        _log(f"{bug.name}: {bug.buggy.project} {bug.buggy.version} / {bug.fixed.version}")
        results.append(evaluate(bug, command, root, args.tolerance, args.jobs))

    print(f"{datetime.date.today().isoformat()}, {pvt_version(command)} ({shlex.join(command)}), "
          f"tolerance {args.tolerance}\n")
    print(table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
