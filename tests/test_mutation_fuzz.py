"""Mutation fuzzing from real code: damaged copies of every fixture and bundled repro, linted by the
real CLI in one run together with the undamaged files.

Each original gets each kind of damage once, at a place chosen by a seeded generator, so a run is
reproducible and its size is fixed (47 originals x 7 kinds today). The damaged files must end in
findings or a counted skip, never a traceback, and must satisfy the engine properties of
test_fuzz.py; the undamaged files must report exactly what they report in a run of their own.
"""

from __future__ import annotations

import json
import keyword
import random
import re
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, property_failures, run_cli

pytestmark = pytest.mark.slow

SEED = 20260510
ORIGINALS = sorted((ROOT / "fixtures").glob("**/*.py")) + sorted((ROOT / "pvt_lint" / "repros").glob("*.py"))
KEYWORDS = [k for k in keyword.kwlist if k.isalpha()]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"".join(lines)


def duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"".join(lines)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def break_indentation(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    indented = [i for i, line in enumerate(lines) if line[:1] in (b" ", b"\t")] or [0]
    i = rng.choice(indented)
    body = lines[i].lstrip(b" \t")
    lines[i] = rng.choice([b"", b" ", b"   ", b"\t", b" \t", b"\t    ", b"        "]) + body
    return b"".join(lines)


def insert_nul(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + b"\0" + data[i:]


def insert_invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    i = rng.randrange(len(data) + 1)
    return data[:i] + rng.choice([b"\xff", b"\xc3", b"\x80\x80", b"\xed\xa0\x80", b"\xe9t\xe9"]) + data[i:]


def swap_keyword(data: bytes, rng: random.Random) -> bytes:
    found = [m for m in re.finditer(rb"\b[a-zA-Z]+\b", data) if m.group().decode() in KEYWORDS]
    if not found:
        return data
    match = rng.choice(found)
    return data[: match.start()] + rng.choice(KEYWORDS).encode() + data[match.end():]


DAMAGE = (delete_line, duplicate_line, truncate, break_indentation, insert_nul, insert_invalid_utf8, swap_keyword)


def _name(original: Path) -> str:
    return "_".join(original.relative_to(ROOT).with_suffix("").parts)


def _lint(*paths: str, cwd: Path) -> tuple[dict[str, list[tuple]], list[str], int]:
    result = run_cli("--format", "json", "--no-cache", *paths, cwd=cwd, timeout=600)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    by_file: dict[str, list[tuple]] = {}
    for f in json.loads(result.stdout):
        by_file.setdefault(f["path"], []).append((f["line"], f["column"], f["code"], f["message"]))
    return by_file, result.stderr.splitlines(), result.returncode


def test_damaged_copies_never_crash_and_leave_the_intact_files_alone(tmp_path):
    assert len(ORIGINALS) > 20
    rng = random.Random(SEED)
    intact, damaged = tmp_path / "intact", tmp_path / "damaged"
    intact.mkdir()
    damaged.mkdir()
    mutants: dict[str, bytes] = {}
    for original in ORIGINALS:
        data = original.read_bytes()
        shutil.copyfile(original, intact / f"{_name(original)}.py")
        for damage in DAMAGE:
            mutant = damage(data, rng)
            name = f"{_name(original)}__{damage.__name__}.py"
            (damaged / name).write_bytes(mutant)
            mutants[name] = mutant

    alone, alone_stderr, _ = _lint("intact", cwd=tmp_path)
    together, stderr, _ = _lint("intact", "damaged", cwd=tmp_path)

    assert {p: f for p, f in together.items() if p.startswith("intact/")} == alone
    assert alone_stderr[-1] == f"{sum(map(len, alone.values()))} findings in {len(ORIGINALS)} files (0 files skipped)"
    # Every line of stderr is a warning naming a damaged file, or the summary that counts them.
    *warnings, summary = stderr
    skipped = [line for line in warnings if line.startswith("pvt-lint: warning: damaged/")]
    assert skipped == warnings
    total = sum(map(len, together.values()))
    files = len(ORIGINALS) * (1 + len(DAMAGE))
    assert summary == f"{total} findings in {files} files ({len(skipped)} file{'s' * (len(skipped) != 1)} skipped)"
    # The damage did damage: most mutants are syntax errors, and some of those are at the damage.
    assert sum("PVT000" in {f[2] for f in together.get(f"damaged/{n}", [])} for n in mutants) > len(mutants) // 3

    problems = {name: property_failures(data) for name, data in mutants.items()}
    assert {name: p for name, p in problems.items() if p} == {}
