"""PVT104 thread-primitive-to-process, buggy: a queue.Queue and a threading.Lock handed to a child process.

They live in one process's memory only. Under fork the child gets a private copy, so what it puts
in the queue never reaches the parent; under spawn and forkserver they cannot even be pickled.
"""
import multiprocessing
import queue
import sys
import threading

PICKLE_ERROR = "TypeError: cannot pickle '_thread.lock' object"
# What a process queue and lock do (this script after `pvt-lint --fix --unsafe-fixes`).
SENT = "the parent's queue holds the child's 'hello'"
HELD = "the child held the lock"


def producer(results):
    results.put("hello")
    print("  child:  put 'hello'", flush=True)


def locked_work(lock):
    with lock:
        print("  child:  holding the lock", flush=True)


def send_queue(method):
    ctx = multiprocessing.get_context(method)
    results = queue.Queue()
    p = ctx.Process(target=producer, args=(results,))  # expect: PVT104
    return start_and_wait(p) or ("the parent's queue is empty" if results.empty() else SENT)


def send_lock(method):
    ctx = multiprocessing.get_context(method)
    lock = threading.Lock()
    p = ctx.Process(target=locked_work, args=(lock,))  # expect: PVT104
    return start_and_wait(p) or HELD


def start_and_wait(p):
    """Start the child and wait for it; return what went wrong, or None."""
    try:
        p.start()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    p.join(timeout=60)
    if p.exitcode is None:
        p.terminate()
        p.join(timeout=5)
    return None if p.exitcode == 0 else f"child exit code {p.exitcode}"


if __name__ == "__main__":
    methods = multiprocessing.get_all_start_methods()
    pickling = [m for m in methods if m != "fork"]
    findings, works, surprises = [], [], []

    if "fork" in methods:
        outcome = send_queue("fork")
        print(f"  parent: queue under fork: {outcome}")
        if outcome == "the parent's queue is empty":
            findings.append("under fork the parent's queue.Queue stayed empty after the child put 'hello'")
        elif outcome == SENT:
            works.append("fork")
        else:
            surprises.append("the queue under fork")

    for method in pickling:
        for name, send, worked in [("queue", send_queue, SENT), ("lock", send_lock, HELD)]:
            outcome = send(method)
            print(f"  parent: {name} under {method}: {outcome}")
            if outcome == worked:
                works.append(f"{name} under {method}")
            elif outcome != PICKLE_ERROR:
                surprises.append(f"the {name} under {method}")
    if pickling:
        findings.append(f"under {', '.join(pickling)} queue.Queue and threading.Lock both raised "
                        f"{PICKLE_ERROR}")

    if not surprises and not works:
        print(f"reproduced: {'; '.join(findings)}")
    elif not surprises and len(works) == len(methods) * 2 - ("fork" in methods):
        print(f"fixed: the parent received 'hello' through the queue and the child held the lock "
              f"under {', '.join(methods)}")
    else:
        print(f"not reproduced: unexpected behaviour for {', '.join(surprises) or 'some start methods'}")
        sys.exit(1)
