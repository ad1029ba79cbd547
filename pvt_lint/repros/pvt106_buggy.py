"""PVT106 connection-shared-across-fork, buggy: one socket opened in the parent, used by forked children.

A small question-and-answer server runs in a thread of the parent. The parent connects to it once,
then forks four children that ask their questions over that one connection. After the fork the
socket is one file descriptor in five processes: the children's questions interleave on it, and each
answer is read by whichever child reads first, so children get answers to other children's questions
(or none at all).
"""
import multiprocessing
import socket
import sys
import threading

QUESTIONS = 200
CHILDREN = 4


def serve(listener):
    """Answer every line ``Q <asker> <n>`` with ``A <asker> <n>``, one connection at a time."""
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=answer, args=(conn,), daemon=True).start()


def answer(conn):
    with conn, conn.makefile("rb") as lines:
        for line in lines:
            conn.sendall(b"A" + line[1:])


def ask(conn, me, results, go):
    """Ask QUESTIONS questions and count the answers that were not to this child's questions."""
    go.wait(timeout=30)  # all children ask at the same time, as busy workers would
    conn.settimeout(2.0)
    wrong = missing = 0
    buffered = b""
    for n in range(QUESTIONS):
        conn.sendall(f"Q {me} {n}\n".encode())
        try:
            while b"\n" not in buffered:
                chunk = conn.recv(4096)
                if not chunk:
                    raise OSError("closed")
                buffered += chunk
        except OSError:
            missing += 1
            continue
        reply, _, buffered = buffered.partition(b"\n")
        if reply != f"A {me} {n}".encode():
            wrong += 1
    results.put((me, wrong, missing))


def main():
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    conn = socket.create_connection(listener.getsockname())
    ctx = multiprocessing.get_context("fork")
    results, go = ctx.Queue(), ctx.Event()
    children = [ctx.Process(target=ask, args=(conn, me, results, go)) for me in range(CHILDREN)]  # expect: PVT106
    for child in children:
        child.start()
    go.set()
    outcomes = [results.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=10)
    wrong = sum(w for _, w, _ in outcomes)
    missing = sum(m for _, _, m in outcomes)
    for me, w, m in sorted(outcomes):
        print(f"  child {me}: {w} of {QUESTIONS} answers were to another child's question, {m} never came")
    return wrong, missing


if __name__ == "__main__":
    if "fork" not in multiprocessing.get_all_start_methods():
        print("not reproduced: this platform has no fork start method")
        sys.exit(1)
    wrong, missing = main()
    if wrong or missing:
        print(f"reproduced: over one socket shared by {CHILDREN} forked children, {wrong} answers went to the "
              f"wrong child and {missing} never arrived")
    else:
        print("not reproduced: every child got its own answers this time")
        sys.exit(1)
