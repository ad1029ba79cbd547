"""The whole-project analysis's cold cost: one corpus set linted with the project stage (summaries, the
stage, the rounds that judge files again) and with each file alone, side by side, no cache.

    python benchmarks/project_cost.py --set concurrency --rounds 2 [--jobs 2]

Runs ``pvt_lint.runner.run.lint_paths`` in this process (``project=True`` / ``False``), the order
alternating every round, and prints each wall time, the medians and the number of findings. It also
counts the analyses the project run makes (files judged a second time included). Nothing here asserts on
time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpora  # noqa: E402
from pvt_lint.config import Config  # noqa: E402
from pvt_lint.runner.project import rounds  # noqa: E402
from pvt_lint.runner.run import lint_paths  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="concurrency", help="corpus set of corpora.lock.json")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    paths = [str(p) for p in corpora.ensure(args.set)]
    analyses = [0]
    counted = rounds.analyse_files

    def counting(jobs_in, *rest, **keywords):
        analyses[0] += len(jobs_in)
        return counted(jobs_in, *rest, **keywords)

    rounds.analyse_files = counting
    times: dict[bool, list[float]] = {True: [], False: []}
    findings: dict[bool, int] = {}
    files = 0
    for round_ in range(args.rounds):
        for project in ((True, False) if round_ % 2 == 0 else (False, True)):
            analyses[0] = 0
            start = time.perf_counter()
            report = lint_paths(paths, Config(), jobs=args.jobs, cache=None, project=project)
            times[project].append(time.perf_counter() - start)
            findings[project], files = len(report.findings), report.files
            extra = f", {analyses[0]} analyses" if project else ""
            print(f"project={project}: {times[project][-1]:.1f} s{extra}", flush=True)
    with_stage, alone = statistics.median(times[True]), statistics.median(times[False])
    print(f"{args.set}, {files} files: with the project stage {with_stage:.1f} s ({findings[True]} findings), "
          f"each file alone {alone:.1f} s ({findings[False]} findings): {100 * (with_stage / alone - 1):+.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
