"""What a judgement reads of its project facts, and when the project stage judges a module again."""

from __future__ import annotations

from pathlib import Path

import pytest

from pvt_lint.config import Config
from pvt_lint.model.project_facts import FunctionFacts, ModuleFacts, UnfitSend
from pvt_lint.model.read_facts import ReadFacts, same_answers
from pvt_lint.runner.project.rounds import judge_project

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"

LOCKED = FunctionFacts("pkg.store:save", caller_locks=("pkg.main:lock",))
SEND = UnfitSend(line=7, how="argument", cls="pkg.store:Store", attribute="fn", kind="lambda",
                  attribute_module="pkg.store", attribute_line=3)
OWN = ModuleFacts("pkg.store", functions=(LOCKED,), program_start_methods=("spawn",))


def test_the_reads_are_noted_part_by_part():
    facts = ReadFacts(OWN)
    assert facts.program_start_methods == ("spawn",)
    assert facts.function("save").caller_locks == ("pkg.main:lock",)
    assert facts.function("load") is None
    assert facts.sends_at(7) == ()
    assert bool(facts) is True
    assert facts.reads == {
        ("program_start_methods",), ("function", "save"), ("function", "save", "caller_locks"),
        ("function", "load"), ("query", "sends_at", (7,)), ("bool",),
    }


def test_anything_else_read_counts_as_everything():
    facts = ReadFacts(OWN)
    facts.fingerprint()
    assert facts.reads == {("*",)}
    assert not same_answers(frozenset(facts.reads), OWN, OWN)


@pytest.mark.parametrize("new, same", [
    # an unread function's facts, and an unread field of a read function, change nothing
    (ModuleFacts("pkg.store", functions=(LOCKED, FunctionFacts("pkg.store:other", caller_locks=("x",))),
                 program_start_methods=("spawn",)), True),
    (ModuleFacts("pkg.store", functions=(FunctionFacts("pkg.store:save", caller_locks=("pkg.main:lock",),
                                                       initializers=()),), program_start_methods=("spawn",)), True),
    # a read field of a read function, a read field, a function that appears, a query's answer
    (ModuleFacts("pkg.store", functions=(FunctionFacts("pkg.store:save"),), program_start_methods=("spawn",)), False),
    (ModuleFacts("pkg.store", functions=(LOCKED,), program_start_methods=("fork",)), False),
    (ModuleFacts("pkg.store", functions=(LOCKED, FunctionFacts("pkg.store:load")), program_start_methods=("spawn",)), False),
    (ModuleFacts("pkg.store", functions=(LOCKED,), program_start_methods=("spawn",), unfit_sends=(SEND,)), False),
])
def test_same_answers_compares_only_what_was_read(new, same):
    facts = ReadFacts(OWN)
    facts.program_start_methods
    facts.function("save").caller_locks
    facts.function("load")
    facts.sends_at(7)
    assert same_answers(frozenset(facts.reads), new, OWN) is same


@pytest.mark.parametrize("project, judged", [
    # `forked` and `beat.fetch` get facts their own summaries did not imply, in parts their rules never
    # read: they keep their first judgement (their findings are compared in test_project_findings.py)
    ("pvt103_fork_entry", ["runner.workers", "spawned"]),
    ("pvt2xx_other_programs", ["beat.export", "beat.stats"]),
])
def test_a_module_is_judged_again_only_when_what_it_read_changed(project, judged):
    root = PROJECTS / project
    files = sorted(str(p) for p in root.rglob("*.py"))
    _, run = judge_project(root, files, Config(root=str(root)), 1, None, lambda n: None)
    assert sorted(run.judged) == judged
