"""PVT202 unlocked-check-then-act, fixed: one lock held across the check and the creation.

The same forced schedule as the buggy version: A checks and starts creating, then waits for B.
Now B blocks on the lock, so A's wait runs out (after 0.5 s), A finishes, and B finds the instance.
"""
import sys
import threading

_instance = None
_instance_lock = threading.Lock()
created_by = []

a_is_creating = threading.Event()
b_is_done = threading.Event()


class Connection:
    def __init__(self):
        created_by.append(threading.current_thread().name)
        # Stand-in for slow set-up. Thread A waits here for B, which is blocked on the lock,
        # so the wait times out.
        if threading.current_thread().name == "A":
            a_is_creating.set()
            b_is_done.wait(timeout=0.5)


def get_instance():
    global _instance
    with _instance_lock:
        if _instance is None:
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
    if len(created_by) == 1 and distinct == 1 and len(got_a + got_b) == 2:
        print("fixed: Connection() ran once and both threads got the same instance")
    else:
        print(f"not fixed: Connection() ran {len(created_by)} times, {distinct} distinct instances")
        sys.exit(1)
