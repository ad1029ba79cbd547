"""The work facts (pvt_lint/model/cpu.py): loops, recursion and how calls treat the GIL."""

import libcst as cst
import pytest

from pvt_lint.model import ModuleModel
from pvt_lint.model.cpu import BLOCKING, LOCAL_CALL, PRINT, PURE, RELEASES_GIL, UNKNOWN

from helpers import build


def kinds(model: ModuleModel, function: str) -> dict[str, str]:
    out = {}
    for call in model.calls:
        if call.caller == function:
            out[cst.Module([]).code_for_node(call.node.func)] = model.work.call_kind(call)
    return out


def test_call_kinds():
    model = build("""
        import math, time, hashlib, queue
        import numpy as np
        import requests
        from math import sqrt
        from mylib import transform
        def helper(x):
            return x
        def f(items, q, fn, lock, logger):
            d = {}
            h = hashlib.sha256()
            len(items); sqrt(2); math.hypot(1, 2); time.perf_counter(); items.append(1)
            d.get(1, 0); ", ".join(items); helper(1)
            print(1); logger.info("x")
            open("p"); time.sleep(1); q.get(); q.get(timeout=1); q.put(1); lock.acquire(); requests.get("u")
            t.join(); conn.sendall(b""); conn.recv(10)
            np.sum(items); h.update(b"")
            fn(1); transform(1); obj.frobnicate(); items[0]()
    """)
    assert kinds(model, "f") == {
        "len": PURE, "sqrt": PURE, "math.hypot": PURE, "time.perf_counter": PURE, "items.append": PURE,
        "d.get": PURE, '", ".join': PURE, "helper": LOCAL_CALL,
        "print": PRINT, "logger.info": PRINT,
        "open": BLOCKING, "time.sleep": BLOCKING, "q.get": BLOCKING, "q.put": BLOCKING,
        "lock.acquire": BLOCKING, "requests.get": BLOCKING,
        "t.join": BLOCKING, "conn.sendall": BLOCKING, "conn.recv": BLOCKING,
        "np.sum": RELEASES_GIL, "h.update": RELEASES_GIL, "hashlib.sha256": RELEASES_GIL,
        "fn": UNKNOWN, "transform": UNKNOWN, "obj.frobnicate": UNKNOWN, "items[0]": UNKNOWN,
    }


def test_loops_bounds_and_ops():
    model = build("""
        def f(n, data):
            for i in range(50):
                x = i * 2
            for i in range(2, 1000):
                x = i * 2
            while flag < n:
                pass
            total = sum(v * v for v in data)
            for c in "abc":
                total += ord(c)
    """)
    loops = [(loop.kind, loop.line, loop.bound, loop.ops > 0) for loop in model.work.loops]
    assert loops == [
        ("for", 3, 50, True),
        ("for", 5, 998, True),
        ("while", 7, None, False),  # the test is not work: a busy wait is not CPU-bound computing
        ("comprehension", 9, None, True),
        ("for", 10, 3, True),
    ]
    assert [loop.tiny for loop in model.work.loops] == [True, False, False, False, True]


def test_profile_follows_helpers_and_finds_recursion():
    model = build("""
        def square(x):
            return x * x
        def total(items):
            return sum(square(x) for x in items)
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)
        def small():
            return [i * i for i in range(10)]
    """)
    profile = model.work.profile("total")
    assert profile.cpu_bound and profile.hot == (5, 15, "comprehension")
    fib = model.work.profile("fib")
    assert fib.cpu_bound and fib.hot[2] == "recursive call" and fib.recursion.line == 7
    assert not model.work.profile("small").cpu_bound  # tiny literal range
    assert not model.work.profile("square").cpu_bound  # no loop, no recursion


HELPER = "def note(x):\n    print(x)\n    return x\n"


@pytest.mark.parametrize(("body", "blocker_line"), [
    ("    for x in items:\n        total += x\n        print(total)\n", 5),  # print inside the loop
    ("    for x in items:\n        total += x\n    q.put(total)\n", 5),  # a queue, anywhere
    ("    for line in fh:\n        total += len(line)\n", 3),  # iterating something named like a file
    ("    for x in items:\n        total += note(x)\n", 7),  # print in a helper called from the loop
])
def test_profile_blockers(body, blocker_line):
    model = build("def f(items, q, fh):\n    total = 0\n" + body + "    return total\n" + HELPER)
    profile = model.work.profile("f")
    assert not profile.cpu_bound
    assert [call.line for call, _ in profile.blockers] == [blocker_line]


def test_print_after_the_loop_is_not_a_blocker():
    model = build("""
        def f(items):
            total = 0
            for x in items:
                total += x
            print(total)
    """)
    assert model.work.profile("f").cpu_bound


def test_gil_checks_direct_and_through_a_helper():
    model = build("""
        import sys
        def free():
            return not sys._is_gil_enabled()
        def a():
            x = 1
            if sys._is_gil_enabled():
                pass
        def b():
            if free():
                pass
        def c():
            pass
    """)
    work = model.work
    assert work.gil_checked_before("a", 7) and not work.gil_checked_before("a", 6)
    assert work.gil_checked_before("b", 10)
    assert not work.gil_checked_before("c", 13)


def test_calls_in_comprehensions_count_as_in_a_loop():
    model = build("""
        import threading
        def f():
            pass
        threads = [threading.Thread(target=f) for _ in range(4)]
        one = threading.Thread(target=f)
    """)
    in_loop = {site.line: model.work.in_loop(site.call) for site in model.dispatches}
    assert in_loop == {5: True, 6: False}
