"""Where a cold run's CPU goes, stage by stage, file by file, in one process.

    /tmp/venv/bin/python benchmarks/stages.py --set concurrency     # or --set django, or DIR ...

Run it with an interpreter that has pvt-lint's dependencies; pvt-lint is imported from this work tree.
Every ``.py`` file goes through the engine's stages in the engine's order, each timed with
``time.process_time()`` (automatic garbage collection off during a file, as in the engine):

- read and decode; CPython's parse (the PVT000 verdict, and the gate's tree); the textual prefilter;
  the AST gate;
- for the modules the gate lets through: the nesting check, libcst's parse, positions, the walk
  (collector and rules' visitors), the model's finalisation, the module's summary (what a project run
  builds for every module past the gate), the rules' checks.

It also counts, for those modules, the nodes of CPython's tree and of libcst's, and times a bare
iterative walk over CPython's tree: what a model built on CPython's AST would start from. The numbers
are for reading, not for asserting: nothing here decides anything.
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from pvt_lint import engine  # noqa: E402
from pvt_lint.gate import may_find  # noqa: E402
from pvt_lint.model import Collector, ModuleModel  # noqa: E402
from pvt_lint.model.summary_build import summarize  # noqa: E402
from pvt_lint.nesting import too_deep_for_libcst  # noqa: E402
from pvt_lint.positions import positions  # noqa: E402
from pvt_lint.rules import all_rules  # noqa: E402
from pvt_lint.walk import Walker  # noqa: E402

STAGES = (
    "read + decode",
    "CPython parse",
    "textual prefilter",
    "gate",
    "nesting check",
    "libcst parse",
    "positions",
    "walk",
    "model",
    "summary",
    "rules",
)
BARE_WALK = "bare walk of CPython's tree"


def python_files(roots):
    for root in roots:
        for directory, dirnames, names in os.walk(root):
            dirnames.sort()
            for name in sorted(names):
                if name.endswith(".py"):
                    yield os.path.join(directory, name)


def cpython_nodes(tree: ast.AST) -> int:
    """A bare iterative walk over every node: the traversal cost an AST-built model would pay."""
    count = 0
    stack = [tree]
    fields: dict[type, tuple[str, ...]] = {}
    while stack:
        node = stack.pop()
        count += 1
        kind = type(node)
        names = fields.get(kind)
        if names is None:
            names = fields[kind] = kind._fields
        for name in names:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return count


def libcst_nodes(module) -> int:
    from pvt_lint.walk import code_children

    count = 0
    stack = [module]
    while stack:
        node = stack.pop()
        count += 1
        stack.extend(code_children(node))
    return count


def measure(paths, rules) -> tuple[Counter, Counter]:
    seconds: Counter = Counter()
    counts: Counter = Counter()

    def timed(stage, function, *args):
        start = time.process_time()
        try:
            return function(*args)
        finally:
            seconds[stage] += time.process_time() - start

    for path in paths:
        gc.disable()
        try:
            with open(path, "rb") as handle:
                text, problem = timed("read + decode", lambda: engine.decode(handle.read()))
            counts["files"] += 1
            if problem is not None:
                continue
            tree, error = timed("CPython parse", engine._cpython_parse, text, path)
            if not timed("textual prefilter", engine.mentions_concurrency, text):
                continue
            counts["past the prefilter"] += 1
            if tree is None or not timed("gate", may_find, tree):
                continue
            if timed("nesting check", too_deep_for_libcst, text, tree) is not None:
                continue
            module = timed("libcst parse", _libcst_parse, text)
            if module is None:
                continue
            counts["past the gate"] += 1
            counts["lines past the gate"] += text.count("\n")
            instances = [rule(path) for rule in rules]
            collector = Collector(timed("positions", positions, module), text)
            timed("walk", Walker([*collector.visitors, *instances]).walk, module)
            model = timed("model", ModuleModel, collector)
            model.text, model.indent, model.newline = text, module.default_indent, module.default_newline
            timed("summary", summarize, model, "corpus_module", path.endswith("__init__.py"), module)
            for rule in instances:
                timed("rules", rule.check, model)
            start = time.process_time()
            counts["CPython AST nodes"] += cpython_nodes(tree)
            seconds[BARE_WALK] += time.process_time() - start
            counts["libcst nodes (whitespace, comments and tokens left out)"] += libcst_nodes(module)
        finally:
            gc.enable()
    return seconds, counts


def _libcst_parse(text: str):
    import libcst as cst

    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roots", nargs="*", type=Path)
    parser.add_argument("--set", choices=("concurrency", "django"), help="a corpus set from corpora.py")
    args = parser.parse_args(argv)
    roots = list(args.roots)
    if args.set:
        import corpora

        roots += corpora.ensure(args.set)
    if not roots:
        parser.error("give DIRs or --set")
    sys.setrecursionlimit(100_000)
    seconds, counts = engine.on_deep_stack(measure, list(python_files(roots)), all_rules())
    print("| stage | CPU (s) |\n| --- | ---: |")
    for stage in STAGES:
        print(f"| {stage} | {seconds[stage]:.2f} |")
    print(f"| total | {sum(seconds[s] for s in STAGES):.2f} |")
    print(f"| (for comparison) {BARE_WALK}, modules past the gate | {seconds[BARE_WALK]:.2f} |")
    print()
    for name, value in counts.items():
        print(f"- {name}: {value:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
