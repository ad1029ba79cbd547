"""Fuzz the engine on demand: tens of thousands of hypothesmith programs, and the count of failures.

    python benchmarks/fuzz.py --examples 10000                    # grammar-generated programs
    python benchmarks/fuzz.py --strategy node --examples 2000     # libcst-generated programs
    python benchmarks/fuzz.py --examples 10000 --workers 2 --save /tmp/fuzz-failures

The checks are the ones tests/test_fuzz.py runs on a few dozen programs in the suite (they live in
tests/helpers.py): the program, then with a tail that forces the libcst path and the rules; ``analyse``
never raises, two runs agree, every position is inside the file, and a program CPython compiles
is never PVT000. Failures are counted, not raised, so one bug does not end the run; --save
writes each failing program and its problems to a directory. Exit status 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def fuzz(strategy: str, examples: int, seed: int, save: str | None) -> tuple[int, int]:
    import hypothesmith
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    from helpers import check_program, compiles

    strategies = {"grammar": hypothesmith.from_grammar, "node": hypothesmith.from_node}
    ran = failed = 0
    started = time.monotonic()

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # failures are counted, never raised: nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(strategies[strategy]())
    def one(program: str) -> None:
        nonlocal ran, failed
        ran += 1
        problems = check_program(program, compiles=strategy == "grammar" or compiles(program))
        if problems:
            failed += 1
            print(f"FAIL #{failed}: {problems[0]}", flush=True)
            if save:
                Path(save).mkdir(parents=True, exist_ok=True)
                stem = Path(save) / f"{strategy}-{seed}-{ran}"
                stem.with_suffix(".py").write_text(program, encoding="utf-8", errors="surrogatepass")
                stem.with_suffix(".json").write_text(json.dumps(problems, indent=1), encoding="utf-8")
        if ran % 500 == 0:
            print(f"{strategy} seed {seed}: {ran} programs, {failed} failed, {time.monotonic() - started:.0f} s", flush=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings from compile() on generated code
        one()
    return ran, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategy", choices=("grammar", "node"), default="grammar")
    parser.add_argument("--examples", type=int, default=10_000, help="programs in all (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="worker i uses seed + i")
    parser.add_argument("--workers", type=int, default=1, help="processes, each with its own seed")
    parser.add_argument("--save", metavar="DIR", help="write failing programs here")
    parser.add_argument("--result", help=argparse.SUPPRESS)  # where a worker writes its counts
    args = parser.parse_args()

    if args.workers <= 1:
        ran, failed = fuzz(args.strategy, args.examples, args.seed, args.save)
    else:
        share = -(-args.examples // args.workers)
        with tempfile.TemporaryDirectory() as scratch:
            results = [os.path.join(scratch, f"{i}.json") for i in range(args.workers)]
            workers = [
                subprocess.Popen(
                    [sys.executable, __file__, "--strategy", args.strategy, "--examples", str(share),
                     "--seed", str(args.seed + i), "--result", results[i],
                     *(["--save", args.save] if args.save else [])]
                )
                for i in range(args.workers)
            ]
            ran = failed = 0
            for worker, result in zip(workers, results):
                worker.wait()
                try:
                    counts = json.loads(Path(result).read_text())
                except (OSError, ValueError):  # the worker died: count it as a failure
                    counts = {"ran": 0, "failed": 1}
                ran, failed = ran + counts["ran"], failed + counts["failed"]
    if args.result:
        Path(args.result).write_text(json.dumps({"ran": ran, "failed": failed}))
    print(f"{args.strategy}: {ran} programs, {failed} failures", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
