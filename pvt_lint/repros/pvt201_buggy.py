"""PVT201 unlocked-read-modify-write, buggy: two threads each add 1 to a global, and one update is lost.

`counter += step()` reads `counter`, then calls step(), then writes. Two events force the losing
interleaving on every run: A reads, B reads and writes, then A writes back its stale value.
"""
import sys
import threading

counter = 0

a_has_read = threading.Event()
b_has_written = threading.Event()


def step():
    # Stand-in for any slow call between the read and the write (I/O, logging, a thread
    # switch). Here it parks thread A until thread B has written.
    if threading.current_thread().name == "A":
        a_has_read.set()
        b_has_written.wait(timeout=30)
    return 1


def add_one():
    global counter
    counter += step()  # expect: PVT201


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
    if counter == 1:
        print("reproduced: two threads each ran counter += step() (adding 1) and counter ended at 1, "
              "not 2: one update was lost")
    else:
        print(f"not reproduced: counter ended at {counter}")
        sys.exit(1)
