"""PVT202 unlocked-check-then-act, buggy: lazy initialisation in two threads creates the object twice.

Both threads can pass `if _instance is None` before either has assigned it. Two events force that
on every run: A checks and starts create(), B checks, creates and assigns, then A assigns its own.
"""
import sys
import threading

_instance = None
created_by = []

a_is_creating = threading.Event()
b_is_done = threading.Event()


class Connection:
    def __init__(self):
        created_by.append(threading.current_thread().name)
        # Stand-in for slow set-up (connecting, loading a file). Here it parks thread A
        # until thread B has finished its own get_instance().
        if threading.current_thread().name == "A":
            a_is_creating.set()
            b_is_done.wait(timeout=30)


def get_instance():
    global _instance
    if _instance is None:  # expect: PVT202
        _instance = Connection()
    return _instance


def use_connection(got):
    got.append(get_instance())


def use_connection_after_a_has_checked(got):
    a_is_creating.wait(timeout=30)
    use_connection(got)
    b_is_done.set()


if __name__ == "__main__":
    got_a, got_b = [], []
    threads = [
        threading.Thread(target=use_connection, args=(got_a,), name="A", daemon=True),
        threading.Thread(target=use_connection_after_a_has_checked, args=(got_b,), name="B", daemon=True),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    distinct = len({id(obj) for obj in got_a + got_b})
    if len(created_by) == 2 and distinct == 2:
        print(f"reproduced: Connection() ran 2 times (threads {' and '.join(created_by)}) "
              "and the two threads got 2 different instances")
    else:
        print(f"not reproduced: Connection() ran {len(created_by)} times")
        sys.exit(1)
