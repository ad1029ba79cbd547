"""PVT203 inconsistent-locking, fixed: deposit() and withdraw() both take the same lock.

The same forced schedule as the buggy version: A reads the balance inside deposit() and waits for
B. Now B's withdraw() blocks on the lock, so A's wait runs out (after 0.5 s), A writes, and B then
withdraws from the new balance.
"""
import sys
import threading

a_has_read = threading.Event()
b_is_done = threading.Event()


def audited(amount):
    # Stand-in for a slow call between reading and writing the balance. Thread A waits here
    # for B, which is blocked on the lock, so the wait times out.
    if threading.current_thread().name == "A":
        a_has_read.set()
        b_is_done.wait(timeout=0.5)
    return amount


class Account:
    def __init__(self, balance):
        self.balance = balance
        self._lock = threading.Lock()

    def deposit(self, amount):
        with self._lock:
            self.balance += audited(amount)

    def withdraw(self, amount):
        with self._lock:
            self.balance -= audited(amount)


def withdraw_after_a_has_read(account, amount):
    a_has_read.wait(timeout=30)
    account.withdraw(amount)
    b_is_done.set()


if __name__ == "__main__":
    account = Account(100)
    threads = [
        threading.Thread(target=account.deposit, args=(50,), name="A", daemon=True),
        threading.Thread(target=withdraw_after_a_has_read, args=(account, 30), name="B", daemon=True),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    if account.balance == 120:
        print("fixed: balance 100, deposit(50) and withdraw(30) in two threads, both under the lock, "
              "left 120")
    else:
        print(f"not fixed: the balance ended at {account.balance}")
        sys.exit(1)
