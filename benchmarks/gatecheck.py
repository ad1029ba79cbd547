"""Does the engine's gate ever skip a module that has a finding? Analyse every skipped module in full.

    /tmp/venv/bin/python benchmarks/gatecheck.py                 # django, the 18 sdists, the stdlib
    /tmp/venv/bin/python benchmarks/gatecheck.py DIR [DIR ...]   # or these trees

Run it with an interpreter that has pvt-lint's dependencies; pvt-lint is imported from this work tree.
For every ``.py`` file that passes the textual prefilter and that CPython parses, it asks the gate
(``pvt_lint.gate.may_find``); every module the gate skips is then analysed anyway, with every rule,
exactly as if the gate had let it through. It prints the counts and each skipped module that would have
had a finding, and exits 1 if there is one. Slow by design: it does the work the gate exists to avoid.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import sysconfig
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from pvt_lint import engine  # noqa: E402
from pvt_lint.gate import may_find  # noqa: E402
from pvt_lint.rules import all_rules  # noqa: E402


def default_roots() -> list[Path]:
    import corpora

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [*corpora.ensure("all"), stdlib]


def python_files(roots: list[Path]):
    for root in roots:
        for directory, _, names in os.walk(root):
            for name in sorted(names):
                if name.endswith(".py"):
                    yield os.path.join(directory, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path)
    args = parser.parse_args(argv)
    roots = args.roots or default_roots()
    rules = all_rules()
    counts = dict(prefiltered=0, passed=0, skipped=0, skipped_with_findings=0)
    lines = dict(prefiltered=0, passed=0)
    gate_seconds = 0.0
    warnings.simplefilter("ignore")
    for path in python_files(roots):
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        text, problem = engine.decode(data)
        if problem is not None or not engine.mentions_concurrency(text):
            continue
        try:
            tree = engine.on_deep_stack(ast.parse, text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue  # the engine hands these to libcst without asking the gate
        counts["prefiltered"] += 1
        lines["prefiltered"] += text.count("\n")
        start = time.perf_counter()
        passes = engine.on_deep_stack(may_find, tree)
        gate_seconds += time.perf_counter() - start
        if passes:
            counts["passed"] += 1
            lines["passed"] += text.count("\n")
            continue
        counts["skipped"] += 1
        try:
            found = engine.on_deep_stack(engine._run_rules, text, path, rules)
        except Exception as exc:  # noqa: BLE001 - reported, and the check goes on
            print(f"not analysed: {path}: {type(exc).__name__}: {exc}")
            continue
        if found:
            counts["skipped_with_findings"] += 1
            print(f"SKIPPED WITH FINDINGS: {path}: {sorted((f.line, f.code) for f in found)}")
    print(f"modules past the prefilter: {counts['prefiltered']} ({lines['prefiltered']} lines)")
    print(f"passed by the gate: {counts['passed']} ({lines['passed']} lines)")
    print(f"skipped by the gate: {counts['skipped']}, of which with a finding when analysed: "
          f"{counts['skipped_with_findings']}")
    print(f"gate time: {gate_seconds:.2f} s")
    return 1 if counts["skipped_with_findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
