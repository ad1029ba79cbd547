"""Every finding's message, asserted: each fixture and each rule's INVALID examples against a snapshot.

A snapshot is a statement of what is right, read and reviewed like code: one finding per line, as the
text reporter prints it without the path, ``LINE:COLUMN: CODE message`` (1-based line and column).

- ``fixtures/<dir>/<name>.py`` -> ``fixtures/<dir>/<name>.txt``, every finding of any code; a fixture
  with no finding has no snapshot.
- a rule's ``INVALID`` examples -> ``tests/snapshots/<CODE>.txt``, the rule's own findings, each line
  prefixed with ``INVALID[<index>]:``.

Regenerate every snapshot (new fixture files included, stale ones deleted) with one command, from the
repository root, then read ``git diff`` line by line before committing it::

    python tests/test_messages.py

It refuses to write a fixture's snapshot whose findings disagree with the fixture's ``# expect:``
labels: fix the rule or the labels first.
"""

from __future__ import annotations

import re
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

import libcst as cst
import pytest

from pvt_lint.config import Config
from pvt_lint.engine import lint_source
from pvt_lint.runner import lint_file
from pvt_lint.rules import all_rules
from pvt_lint.rules.quoting import quote

from helpers import FIXTURES, PROJECT_NAMES, PROJECTS, ROOT, project_run
from helpers import expected

REGENERATE = "python tests/test_messages.py"
RULE_SNAPSHOTS = ROOT / "tests" / "snapshots"
LIMIT = 160  # characters; a message naming two long identifiers may take up to LONG_LIMIT
LONG_LIMIT = 200
LONG_NAME = 20


def render(findings, prefix: str = "") -> str:
    return "".join(f"{prefix}{f.line}:{f.column + 1}: {f.code} {f.message}\n" for f in findings)


@lru_cache(maxsize=None)
def fixture_findings(path: Path) -> tuple:
    """A file alone, or a file of a fixture project judged by the runner with its project's facts."""
    if path.is_relative_to(PROJECTS):
        return project_run(path.relative_to(PROJECTS).parts[0])[path]
    return tuple(lint_file(str(path), Config()).findings)


@lru_cache(maxsize=None)
def example_findings(rule, index: int) -> tuple:
    source = textwrap.dedent(rule.INVALID[index])
    return tuple(f for f in lint_source(source, "example.py") if f.code == rule.CODE)


def fixture_snapshot(path: Path) -> Path:
    return path.with_suffix(".txt")


def rule_snapshot(rule) -> Path:
    return RULE_SNAPSHOTS / f"{rule.CODE}.txt"


def fixture_text(path: Path) -> str:
    return render(fixture_findings(path))


def rule_text(rule) -> str:
    return "".join(render(example_findings(rule, i), f"INVALID[{i}]:") for i in range(len(rule.INVALID)))


def stored(snapshot: Path) -> str:
    return snapshot.read_text(encoding="utf-8") if snapshot.exists() else ""


# Whole projects are judged together, with their project facts (the runner's project stage); their
# labels are compared in test_project_run.py.
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*.py") if p.relative_to(FIXTURES).parts[0] != "projects")
PROJECT_FILES = sorted(p for name in PROJECT_NAMES for p in (PROJECTS / name).rglob("*.py"))
RULES = [rule for rule in all_rules() if rule.INVALID]


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[str(p.relative_to(FIXTURES)) for p in FIXTURE_FILES])
def test_fixture_messages_match_the_snapshot(path: Path):
    snapshot = fixture_snapshot(path)
    assert fixture_text(path) == stored(snapshot), f"{snapshot} is missing or stale: run `{REGENERATE}`"


@pytest.mark.parametrize("rule", RULES, ids=[rule.CODE for rule in RULES])
def test_invalid_example_messages_match_the_snapshot(rule):
    snapshot = rule_snapshot(rule)
    text = rule_text(rule)
    assert all(f"INVALID[{i}]:" in text for i in range(len(rule.INVALID))), "every INVALID example finds"
    assert text == stored(snapshot), f"{snapshot} is missing or stale: run `{REGENERATE}`"


@pytest.mark.parametrize("path", PROJECT_FILES, ids=[str(p.relative_to(PROJECTS)) for p in PROJECT_FILES])
def test_project_fixture_messages_match_the_snapshot(path: Path):
    snapshot = fixture_snapshot(path)
    assert fixture_text(path) == stored(snapshot), f"{snapshot} is missing or stale: run `{REGENERATE}`"


def test_no_snapshot_without_its_subject():
    fixtures = {fixture_snapshot(path) for path in FIXTURE_FILES + PROJECT_FILES if fixture_findings(path)}
    assert set(FIXTURES.rglob("*.txt")) == fixtures
    assert set(RULE_SNAPSHOTS.glob("*.txt")) == {rule_snapshot(rule) for rule in RULES}


def _all_findings():
    for path in FIXTURE_FILES + PROJECT_FILES:
        yield from fixture_findings(path)
    for rule in RULES:
        for index in range(len(rule.INVALID)):
            yield from example_findings(rule, index)


def test_messages_are_one_short_line_without_comments():
    for f in _all_findings():
        message = f.message
        long_names = [name for name in re.findall(r"`([^`]*)`", message) if len(name) >= LONG_NAME]
        limit = LONG_LIMIT if len(long_names) >= 2 else LIMIT
        assert len(message) <= limit, message
        assert "#" not in message and "\n" not in message, message
        assert message == message.strip() and "  " not in message, message
        assert not message.endswith("."), message


# A comment on the flagged line, and one inside a parenthesised test: neither is code.
COMMENTED = textwrap.dedent("""\
    import threading


    class Pool:
        def __init__(self):
            self._lock = threading.Lock()
            self.idle = []

        def checkout(self):
            with self._lock:
                self.idle.append(1)

        def discard(self):
            if self.idle:
                self.idle.pop()  # TODO(bob): secret internal note


    class Account:
        def __init__(self):
            self.balance = 100

        def withdraw(self, amount):
            if (self.balance >= amount  # TODO(bob): secret internal note
                    and amount > 0):
                self.balance -= amount


    pool = Pool()
    account = Account()
    for _ in range(4):
        threading.Thread(target=pool.checkout).start()
        threading.Thread(target=pool.discard).start()
        threading.Thread(target=account.withdraw, args=(10,)).start()
""")


def test_a_comment_on_the_quoted_code_stays_out_of_the_message():
    findings = {(f.line, f.code): f.message for f in lint_source(COMMENTED, "pool.py")}
    assert findings == {
        (15, "PVT203"): "`self.idle.pop()` in `Pool.discard` acts on `if self.idle` with no lock held, but line 11"
                        " writes `self.idle` under `self._lock`",
        (23, "PVT202"): "`if (self.balance >= amount and amount >…` in `Account.withdraw`, which runs in threads"
                        " started at line 33, then changes `self.balance` at line 25 with no lock held",
    }


@pytest.mark.parametrize(("source", "quoted"), [
    ("x = f(  # why\n    a,  # and why\n    b,\n)  # trailing\n", "x = f(a, b)"),
    ("# a note above\nself.idle.pop()  # TODO(bob): secret internal note\n", "self.idle.pop()"),
    ("if (x is None  # why\n        and y):  # c\n    pass\n", "if (x is None and y)"),
    ("with lock:  # c\n    pass\n", "with lock"),
    ("a = 1; b = 2  # c\n", "a = 1; b = 2"),
    ("s = 'a  # kept: inside a string'   # dropped\n", "s = 'a  # kept: inside a string'"),
    ("t = 1 + \\\n    2\n", "t = 1 + 2"),
    ("word_counts[word] = word_counts.get(word, 0) + 1\n", "word_counts[word] = word_counts.get(wor…"),
])
def test_quoted_code_is_one_line_without_comments_and_shortened(source, quoted):
    (statement,) = cst.parse_module(source).body
    assert quote(statement) == quoted


def regenerate() -> int:
    """Write every snapshot from the current findings; delete those without a subject."""
    wanted: dict[Path, str] = {}
    refused = []
    for path in FIXTURE_FILES + PROJECT_FILES:
        findings = fixture_findings(path)
        if {(f.line, f.code) for f in findings} != expected(path.read_text(encoding="utf-8", errors="replace")):
            refused.append(path)
        elif findings:
            wanted[fixture_snapshot(path)] = render(findings)
    for rule in RULES:
        wanted[rule_snapshot(rule)] = rule_text(rule)
    existing = set(FIXTURES.rglob("*.txt")) | set(RULE_SNAPSHOTS.glob("*.txt"))
    for snapshot in sorted(existing - set(wanted)):
        if snapshot.with_suffix(".py") in refused:
            continue
        snapshot.unlink()
        print(f"deleted {snapshot.relative_to(ROOT)}")
    RULE_SNAPSHOTS.mkdir(exist_ok=True)
    for snapshot, text in sorted(wanted.items()):
        if stored(snapshot) != text or not snapshot.exists():
            snapshot.write_text(text, encoding="utf-8")
            print(f"wrote {snapshot.relative_to(ROOT)}")
    for path in refused:
        print(f"refused {path.relative_to(ROOT)}: its findings do not match its `# expect:` labels", file=sys.stderr)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(regenerate())
