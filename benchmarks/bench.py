"""Time pvt-lint next to ruff and flake8 over one pinned corpus set, side by side in one run.

    python benchmarks/bench.py --set concurrency --rounds 5 --python /tmp/venv/bin/python \
        [--markdown-out FILE] [--json-out FILE]

Variants, each run once per round with the order rotated every round (medians of the rounds are reported):

* pvt-lint cold      `--no-cache` when the CLI has it, else a plain run
* pvt-lint warm      cache primed by the warm-up, nothing changed (skipped while the CLI has no cache)
* pvt-lint 1 edited  a temporary copy of the corpus, cache primed; before every round one file's content
                     changes (skipped while the CLI has no cache)
* ruff               `ruff check --isolated --no-cache --exit-zero --output-format concise`
* flake8             `flake8 --isolated -j N --exit-zero`

ruff and flake8 come from a separate venv made on demand (`~/.cache/pvt-lint/bench-venv`) with the versions
pinned in `bench-requirements.txt`. pvt-lint runs from this repository with `--python`.

Per run: wall time (perf_counter around spawn and reap), CPU time and peak RSS from `os.wait4` on the
child. On Linux wait4's rusage covers the child plus every descendant it reaped, so CPU time is user+sys of
the whole process tree and ru_maxrss is the peak RSS of the largest single process in it (not a sum).
Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import corpora
import pvt_command

HERE = Path(__file__).resolve().parent
BENCH_REQUIREMENTS = HERE / "bench-requirements.txt"
DEFAULT_BENCH_VENV = Path.home() / ".cache" / "pvt-lint" / "bench-venv"
CONCURRENCY_WORDS = re.compile(rb"^\s*(?:import|from)\s+(?:threading|multiprocessing|concurrent)\b", re.M)
# Calls that start a thread or a process, or make a pool: with the import, enough to pass pvt-lint's gate.
DISPATCH_CALLS = frozenset({"Thread", "Process", "Pool", "ThreadPool", "ThreadPoolExecutor", "ProcessPoolExecutor"})


# Each row of the table -> its name for --rows.
ROW_NAMES = {"pvt-lint cold": "cold", "pvt-lint warm": "warm", "pvt-lint 1 edited": "edited", "ruff": "ruff",
             "flake8": "flake8"}


def starts_work(source: bytes) -> bool:
    """Does the module call one of DISPATCH_CALLS (in code, not in a string or a comment)?"""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in DISPATCH_CALLS:
                return True
    return False


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    maxrss_kib: int
    returncode: int


@dataclass
class Variant:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    before_run: Callable[[int], None] = lambda _round: None
    samples: list[Sample] = field(default_factory=list)
    failure: str = ""


def measure(argv: list[str], cwd: Path, env: dict[str, str], out_dir: Path) -> tuple[Sample, Path]:
    """Run one command to completion; its output goes to files so a full pipe never stalls it."""
    stdout_path, stderr_path = out_dir / "stdout", out_dir / "stderr"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        try:
            # Reap it ourselves: wait4 is the only call that returns this child's (and its reaped
            # descendants') rusage without mixing in any other child of this process.
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            # Interrupted: take the tool's whole process group (worker pools included) down with us.
            os.killpg(proc.pid, signal.SIGKILL)
            os.waitpid(proc.pid, 0)
            raise
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    sample = Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode)
    return sample, stderr_path


# ---------------------------------------------------------------------------------------------- tools


def ensure_bench_venv(venv: Path, python: str) -> Path:
    """A venv with the pinned ruff and flake8, made once and re-made when the pins change."""
    wanted = BENCH_REQUIREMENTS.read_text(encoding="utf-8")
    stamp = venv / "pvt-lint-bench-requirements.txt"
    bin_dir = venv / "bin"
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted and (bin_dir / "ruff").exists():
        return bin_dir
    print(f"bench.py: creating {venv} with {BENCH_REQUIREMENTS.name}", file=sys.stderr, flush=True)
    subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "-r", str(BENCH_REQUIREMENTS)],
        check=True,
    )
    stamp.write_text(wanted, encoding="utf-8")
    return bin_dir


def _first_line(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return result.stdout.strip().splitlines()[0] if result.stdout.strip() else "?"


def _all_lines(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return " ".join(result.stdout.split())


def python_files(paths: list[Path]) -> list[Path]:
    files = []
    for root in paths:
        files.extend(p for p in root.rglob("*.py") if p.is_file())
    return sorted(files)


def build_variants(args, paths: list[Path], work: Path, notes: list[str]) -> tuple[list[Variant], dict]:
    bin_dir = ensure_bench_venv(args.bench_venv, args.python)
    base_env = pvt_command.tool_env()
    versions = {
        "ruff": _first_line([str(bin_dir / "ruff"), "--version"], base_env),
        "flake8": "flake8 " + _all_lines([str(bin_dir / "flake8"), "--version"], base_env),
    }
    str_paths = [str(p) for p in paths]
    # A neutral working directory: no tool may pick up a config file from where the script was started.
    neutral = work / "cwd"
    neutral.mkdir()
    variants: list[Variant] = []

    try:
        snapshot = work / "snapshot"
        snapshot.mkdir()
        pvt = pvt_command.detect(args.python, snapshot)
    except pvt_command.PvtUnavailable as error:
        notes.append(f"pvt-lint not measured: {error}".replace("\n", " "))
        pvt = None
    if pvt is not None:
        versions["pvt-lint"] = pvt.version
        variants.extend(pvt_variants(pvt, args, paths, work, notes))

    variants.append(Variant(
        "ruff",
        [str(bin_dir / "ruff"), "check", "--isolated", "--no-cache", "--exit-zero",
         "--output-format", "concise", *str_paths],
        neutral, base_env,
    ))
    variants.append(Variant(
        "flake8",
        [str(bin_dir / "flake8"), "--isolated", "-j", str(args.jobs), "--exit-zero", *str_paths],
        neutral, base_env,
    ))
    return variants, versions


def pvt_variants(pvt: pvt_command.PvtCommand, args, paths: list[Path], work: Path, notes: list[str]) -> list[Variant]:
    common = ["--format", "text"] if pvt.has("--format") else []
    if pvt.has("--exit-zero"):
        common.append("--exit-zero")
    if pvt.has("--jobs"):
        common += ["--jobs", str(args.jobs)]
    else:
        notes.append("pvt-lint has no --jobs yet: it ran with its default parallelism.")
    has_cache = pvt.has("--no-cache") or pvt.has("--cache-dir")
    str_paths = [str(p) for p in paths]
    variants = []

    cold_dir = work / "pvt-cold"
    cold_dir.mkdir()
    if pvt.has("--no-cache"):
        cold = Variant("pvt-lint cold", pvt.argv(*common, "--no-cache", *str_paths), cold_dir, pvt.env)
    elif pvt.has("--cache-dir"):
        cache = cold_dir / "cache"

        def empty_cache(_round: int, cache: Path = cache) -> None:
            shutil.rmtree(cache, ignore_errors=True)

        cold = Variant("pvt-lint cold", pvt.argv(*common, "--cache-dir", str(cache), *str_paths),
                       cold_dir, pvt.env, before_run=empty_cache)
        notes.append("pvt-lint has --cache-dir but no --no-cache: cold runs start from an emptied cache dir.")
    else:
        cold = Variant("pvt-lint cold", pvt.argv(*common, *str_paths), cold_dir, pvt.env)
        notes.append("pvt-lint has no cache flags yet: 'cold' is a plain run; warm and edited runs skipped.")
    variants.append(cold)
    if not has_cache:
        return variants

    # Each cached variant gets its own working directory (a cwd-relative default cache stays apart) and,
    # when the CLI allows, its own cache directory.
    warm_dir = work / "pvt-warm"
    warm_dir.mkdir()
    warm_cache = ["--cache-dir", str(warm_dir / "cache")] if pvt.has("--cache-dir") else []
    variants.append(Variant("pvt-lint warm", pvt.argv(*common, *warm_cache, *str_paths), warm_dir, pvt.env))

    edit_dir = work / "pvt-edited"
    copy_root = edit_dir / "corpus"
    copies = []
    for path in paths:
        copy = copy_root / path.name
        shutil.copytree(path, copy, symlinks=True)
        copies.append(copy)
    # The median-sized file among those that start threads or processes: a typical edit, neither an empty
    # __init__.py nor the largest module, and one that pvt-lint must analyse again with libcst rather than
    # pass over (a module that only imports threading is now skipped by the gate after CPython's parse).
    files = sorted((p for p in python_files(copies)
                    if CONCURRENCY_WORDS.search(p.read_bytes()) and starts_work(p.read_bytes())),
                   key=lambda p: (p.stat().st_size, str(p)))
    target = files[len(files) // 2]
    notes.append(f"pvt-lint 1 edited: {target.relative_to(copy_root)} ({target.stat().st_size} bytes) "
                 "gets a new comment line before every run.")

    def edit(round_no: int, target: Path = target) -> None:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"\n# pvt-lint benchmark edit {round_no}\n")

    edit_cache = ["--cache-dir", str(edit_dir / "cache")] if pvt.has("--cache-dir") else []
    variants.append(Variant("pvt-lint 1 edited", pvt.argv(*common, *edit_cache, *map(str, copies)),
                            edit_dir, pvt.env, before_run=edit))
    return variants


# ---------------------------------------------------------------------------------------------- report


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def interpreter_version(python: str) -> str:
    return _first_line([python, "-c", "import platform; print(platform.python_implementation(), "
                        "platform.python_version())"], pvt_command.tool_env())


def summarise(variants: list[Variant]) -> list[dict]:
    rows = []
    ruff = next((v for v in variants if v.name == "ruff" and v.samples and not v.failure), None)
    ruff_wall = statistics.median(s.wall for s in ruff.samples) if ruff else None
    for v in variants:
        row = {"tool": v.name, "command": v.argv, "failure": v.failure, "rounds": len(v.samples)}
        if v.samples and not v.failure:
            walls = [s.wall for s in v.samples]
            row.update(
                wall_median=statistics.median(walls),
                wall_min=min(walls),
                wall_max=max(walls),
                cpu_median=statistics.median(s.cpu for s in v.samples),
                maxrss_mib=max(s.maxrss_kib for s in v.samples) / 1024,
            )
            row["vs_ruff"] = row["wall_median"] / ruff_wall if ruff_wall else None
        rows.append(row)
    return rows


def display_command(argv: list[str], prefixes: tuple[str, str, str]) -> list[str]:
    corpus_src, copies, work = prefixes
    shown: list[str] = []
    for arg in argv:
        if arg.startswith((corpus_src, copies)):
            if shown[-1:] != ["PATHS"]:
                shown.append("PATHS")
        else:
            shown.append(arg.replace(work, "$TMP"))
    return shown


def markdown(rows: list[dict], meta: dict, notes: list[str]) -> str:
    lines = [
        f"Corpus set `{meta['set']}`: {meta['corpora']} sdists, {meta['files']} `.py` files, "
        f"{meta['mib']:.1f} MiB of Python. {meta['rounds']} timed rounds after {meta['warmup']} warm-up, "
        "order rotated each round.",
        "",
        f"- date: {meta['date']}",
        f"- machine: {meta['nproc']} CPUs ({meta['cpu']}), {meta['os']}",
        f"- 1-minute load average: {meta['load'][0]:.1f} at the start, {meta['load'][1]:.1f}–{meta['load'][2]:.1f} "
        "after each round (other work on the machine inflates wall time)",
        f"- interpreter for pvt-lint and flake8: {meta['python']}",
        *[f"- {tool}: {version}" for tool, version in meta["versions"].items()],
        "",
        "| tool | wall median (s) | wall min–max (s) | CPU median (s) | peak RSS (MiB) | wall ÷ ruff |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        if row["failure"] or not row["rounds"]:
            lines.append(f"| {row['tool']} | {row['failure'] or 'not run'} | | | | |")
            continue
        ratio = f"{row['vs_ruff']:.1f}×" if row["vs_ruff"] is not None else "n/a"
        lines.append(
            f"| {row['tool']} | {row['wall_median']:.2f} | {row['wall_min']:.2f}–{row['wall_max']:.2f} "
            f"| {row['cpu_median']:.2f} | {row['maxrss_mib']:.0f} | {ratio} |"
        )
    lines += ["", "Commands (PATHS: the corpus directories, or their copies for the edited run):", ""]
    for row in rows:
        lines.append(f"- {row['tool']}: `{' '.join(display_command(row['command'], meta['path_prefixes']))}`")
    if notes:
        lines += ["", "Notes:", "", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("concurrency", "django"), default="concurrency")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="a subset of the set's corpora (quick checks)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds; the median is reported (>= 1)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed rounds first (at least 1 when a cache is measured)")
    parser.add_argument("--python", default=sys.executable, help="interpreter with libcst and click for pvt-lint")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="flake8 -j and pvt-lint --jobs")
    parser.add_argument("--bench-venv", type=Path, default=DEFAULT_BENCH_VENV)
    parser.add_argument("--rows", nargs="+", choices=list(ROW_NAMES.values()),
                        default=list(ROW_NAMES.values()),
                        help="the rows to run (default all): e.g. `--rows warm edited ruff` for a quick check")
    parser.add_argument("--markdown-out", type=Path)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    _, pinned = corpora.load_lock()
    paths = corpora.fetch(corpora.select(pinned, args.set, args.only))
    loads = [os.getloadavg()[0]]
    files = python_files(paths)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pvt-lint-bench-") as tmp:
        work = Path(tmp)
        variants, versions = build_variants(args, paths, work, notes)
        variants = [v for v in variants if ROW_NAMES[v.name] in args.rows]
        # A cached variant is only "warm" after one untimed run has filled its cache.
        needs_priming = any(v.name in ("pvt-lint warm", "pvt-lint 1 edited") for v in variants)
        warmups = max(args.warmup, 1 if needs_priming else 0)
        total = warmups + args.rounds
        for round_no in range(total):
            timed = round_no >= warmups
            shift = round_no % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                if variant.failure:
                    continue
                variant.before_run(round_no)
                out_dir = work / "out"
                out_dir.mkdir(exist_ok=True)
                sample, stderr_path = measure(variant.argv, variant.cwd, variant.env, out_dir)
                if sample.returncode != 0:
                    tail = stderr_path.read_text(encoding="utf-8", errors="replace").strip()[-800:]
                    variant.failure = f"failed: exit {sample.returncode}"
                    notes.append(f"{variant.name} exited {sample.returncode}: {tail}".replace("\n", " | "))
                    continue
                if timed:
                    variant.samples.append(sample)
            loads.append(os.getloadavg()[0])
            label = f"round {round_no - warmups + 1}/{args.rounds}" if timed else f"warm-up {round_no + 1}/{warmups}"
            print(f"bench.py: {label} done", file=sys.stderr, flush=True)

    meta = {
        "set": args.set + (f" (only {', '.join(args.only)})" if args.only else ""),
        "load": (loads[0], min(loads[1:] or loads), max(loads[1:] or loads)),
        "corpora": len(paths),
        "files": len(files),
        "mib": sum(f.stat().st_size for f in files) / 2**20,
        "rounds": args.rounds,
        "warmup": warmups,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "os": f"{platform.system()} {platform.release()}",
        "python": interpreter_version(args.python),
        "versions": versions,
        "path_prefixes": (str(corpora.cache_dir() / "src") + os.sep, str(work / "pvt-edited" / "corpus") + os.sep,
                          str(work)),
    }
    rows = summarise(variants)
    table = markdown(rows, meta, notes)
    print(table)
    if args.markdown_out:
        args.markdown_out.write_text(table, encoding="utf-8")
    if args.json_out:
        meta_json = {k: v for k, v in meta.items() if k != "path_prefixes"}
        args.json_out.write_text(json.dumps({"meta": meta_json, "rows": rows, "notes": notes}, indent=2) + "\n",
                                 encoding="utf-8")
    return 1 if any(row["failure"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
