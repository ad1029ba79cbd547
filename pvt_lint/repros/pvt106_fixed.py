"""PVT106 connection-shared-across-fork, fixed: one connection per child, opened in the pool initializer.

The same question-and-answer server runs in a thread of the parent. Each child of the pool opens its
own socket in the pool's ``initializer``, so every child reads only the answers to its own questions.
"""
import multiprocessing
import os
import socket
import sys
import threading

QUESTIONS = 200
CHILDREN = 4

conn = None


def serve(listener):
    while True:
        client, _ = listener.accept()
        threading.Thread(target=answer, args=(client,), daemon=True).start()


def answer(client):
    with client, client.makefile("rb") as lines:
        for line in lines:
            client.sendall(b"A" + line[1:])


def connect(address):
    """Runs once in every child: its own connection."""
    global conn
    conn = socket.create_connection(address)
    conn.settimeout(2.0)


def ask(n):
    me = os.getpid()
    conn.sendall(f"Q {me} {n}\n".encode())
    buffered = b""
    while b"\n" not in buffered:
        buffered += conn.recv(4096)
    return buffered.rstrip(b"\n") == f"A {me} {n}".encode()


def main():
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(CHILDREN, initializer=connect, initargs=(listener.getsockname(),)) as pool:
        answers = pool.map(ask, range(QUESTIONS * CHILDREN), chunksize=QUESTIONS)
    return answers.count(False)


if __name__ == "__main__":
    if "fork" not in multiprocessing.get_all_start_methods():
        print("not fixed: this platform has no fork start method")
        sys.exit(1)
    wrong = main()
    print(f"  {CHILDREN} children with a socket each asked {QUESTIONS * CHILDREN} questions: {wrong} wrong answers")
    if wrong == 0:
        print(f"fixed: every one of {QUESTIONS * CHILDREN} answers reached the child that asked")
    else:
        print(f"not fixed: {wrong} answers went astray")
        sys.exit(1)
