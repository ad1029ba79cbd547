"""What messages say: quoted code without comments."""

import textwrap

from pvt_lint.engine import lint_source

# A comment on the flagged line, and one inside a parenthesised test: neither is code.
COMMENTED = textwrap.dedent("""\
    import threading


    class Pool:
        def __init__(self):
            self._lock = threading.Lock()
            self.idle = []

        def checkout(self):
            with self._lock:
                self.idle.append(1)

        def discard(self):
            if self.idle:
                self.idle.pop()  # TODO(bob): secret internal note


    class Account:
        def __init__(self):
            self.balance = 100

        def withdraw(self, amount):
            if (self.balance >= amount  # TODO(bob): secret internal note
                    and amount > 0):
                self.balance -= amount


    pool = Pool()
    account = Account()
    for _ in range(4):
        threading.Thread(target=pool.checkout).start()
        threading.Thread(target=pool.discard).start()
        threading.Thread(target=account.withdraw, args=(10,)).start()
""")


def test_a_comment_on_the_quoted_code_stays_out_of_the_message():
    findings = {(f.line, f.code): f.message for f in lint_source(COMMENTED, "pool.py")}
    assert set(findings) == {(15, "PVT203"), (23, "PVT202")}
    assert findings == {
        (15, "PVT203"): "`self.idle.pop()` in `Pool.discard` acts on `if self.idle` with no lock held, but line 11"
                        " writes `self.idle` under `self._lock`",
        (23, "PVT202"): "`if (self.balance >= amount and amount >…` in `Account.withdraw`, which runs in threads"
                        " started at line 33, then changes `self.balance` at line 25 with no lock held",
    }
