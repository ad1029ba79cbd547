"""PVT201 unlocked-read-modify-write, fixed: the read-modify-write happens under a threading.Lock.

The same forced schedule as the buggy version: A reads, then pauses, waiting for B to write. Now
B cannot get in: it waits for the lock A holds, so A's pause runs out (after 0.5 s) and A writes
first; B then reads A's result. No update is lost.
"""
import sys
import threading

counter = 0
counter_lock = threading.Lock()

a_has_read = threading.Event()
b_has_written = threading.Event()


def step():
    # Stand-in for any slow call between the read and the write. Thread A waits here for B,
    # which is blocked on the lock, so the wait times out.
    if threading.current_thread().name == "A":
        a_has_read.set()
        b_has_written.wait(timeout=0.5)
    return 1


def add_one():
    global counter
    with counter_lock:
        counter += step()


def add_one_after_a_has_read():
    a_has_read.wait(timeout=30)
    add_one()
    b_has_written.set()


if __name__ == "__main__":
    threads = [threading.Thread(target=add_one, name="A", daemon=True),
               threading.Thread(target=add_one_after_a_has_read, name="B", daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if counter == 2:
        print("fixed: two threads each ran counter += step() (adding 1) under a lock and counter ended at 2")
    else:
        print(f"not fixed: counter ended at {counter}")
        sys.exit(1)
