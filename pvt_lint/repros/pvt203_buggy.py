"""PVT203 inconsistent-locking, buggy: deposit() takes the lock, withdraw() does not, and an update is lost.

The lock in deposit() only keeps other deposits out. Two events force withdraw() into the middle
of a deposit on every run: A reads the balance, B withdraws, then A writes back its stale sum.
"""
import sys
import threading

a_has_read = threading.Event()
b_is_withdrawing = threading.Event()
b_is_done = threading.Event()


def audited(amount):
    # Stand-in for a slow call between reading and writing the balance (an audit log write).
    # Here it parks thread A until thread B has finished. If withdraw() takes the lock too (as
    # `pvt-lint --fix --unsafe-fixes` makes it), B waits for A instead, and A goes on after 2 s.
    if threading.current_thread().name == "A":
        a_has_read.set()
        b_is_withdrawing.wait(timeout=30)
        b_is_done.wait(timeout=2)
    return amount


class Account:
    def __init__(self, balance):
        self.balance = balance
        self._lock = threading.Lock()

    def deposit(self, amount):
        with self._lock:
            self.balance += audited(amount)

    def withdraw(self, amount):
        self.balance -= audited(amount)  # expect: PVT203


def withdraw_after_a_has_read(account, amount):
    a_has_read.wait(timeout=30)
    b_is_withdrawing.set()
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
    if account.balance == 150:
        print("reproduced: balance 100, deposit(50) and withdraw(30) in two threads left 150, not 120 "
              "(withdraw skipped the lock and its update was lost)")
    elif account.balance == 120:  # this script with withdraw() under the lock
        print("fixed: balance 100, deposit(50) and withdraw(30) in two threads, both under the lock, "
              "left 120")
    else:
        print(f"not reproduced: the balance ended at {account.balance}")
        sys.exit(1)
