"""PVT106 and PVT401 edges that the teaching cases and fixtures do not pin down: how the start method is
read, which clients the registry leaves out and why, and which uses of a future count as reading it."""

import textwrap

import pytest

from pvt_lint import apis
from pvt_lint.engine import lint_source


def findings(source: str, code: str) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in lint_source(textwrap.dedent(source), "example.py") if f.code == code]


GLOBAL_DB_IN_POOL = """
import multiprocessing
import sqlite3
db = sqlite3.connect("jobs.db")
def record(job):
    db.execute("INSERT INTO done VALUES (?)", (job,))
def main():
    {setup}
    with {pool} as pool:
        pool.map(record, range(10))
"""


@pytest.mark.parametrize(
    ("setup", "pool", "flagged"),
    [
        ("pass", "multiprocessing.Pool()", True),  # the platform default: fork on Linux before 3.14
        ('multiprocessing.set_start_method("fork")', "multiprocessing.Pool()", True),
        ('multiprocessing.set_start_method("spawn")', "multiprocessing.Pool()", False),
        ('ctx = multiprocessing.get_context("forkserver")', "ctx.Pool()", False),
        ('ctx = multiprocessing.get_context("fork")', "ctx.Pool()", True),
        ('ctx = multiprocessing.get_context("spawn")', "multiprocessing.Pool(context=ctx)", False),
    ],
)
def test_pvt106_reads_the_start_method_like_pvt102(setup, pool, flagged):
    source = GLOBAL_DB_IN_POOL.format(setup=setup, pool=pool)
    assert bool(findings(source, "PVT106")) is flagged


def test_pvt106_reads_an_executors_mp_context():
    source = """
    import multiprocessing
    import socket
    from concurrent.futures import ProcessPoolExecutor
    sock = socket.create_connection(("localhost", 9000))
    def send(line):
        sock.sendall(line)
    def main(lines, method):
        with ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn")) as ex:
            list(ex.map(send, lines))
        with ProcessPoolExecutor() as ex:
            list(ex.map(send, lines))
    """
    assert findings(source, "PVT106") == [
        (7, "`sock` (socket.create_connection, line 5) is used by `send` in a child process started at line 12; "
            "under fork both processes use one connection"),
    ]


def test_the_connection_table_leaves_out_clients_that_reconnect_after_fork():
    assert not [name for name in apis.CONNECTION_CONSTRUCTORS if name.startswith("redis")]
    assert "socket.socketpair" not in apis.CONNECTION_CONSTRUCTORS
    assert set(apis.CONNECTION_CONSTRUCTORS.values()) == {apis.OPENS_AT_ONCE, apis.OPENS_ON_USE}


def test_pvt106_threads_share_a_connection_by_design():
    source = """
    import sqlite3
    import threading
    db = sqlite3.connect("jobs.db", check_same_thread=False)
    def record(job):
        db.execute("INSERT INTO done VALUES (?)", (job,))
    threading.Thread(target=record, args=(1,)).start()
    """
    assert findings(source, "PVT106") == []


def test_pvt106_a_lazy_client_counts_only_once_the_parent_has_used_it():
    unused = """
    import multiprocessing
    import httpx
    client = httpx.Client()
    def get(url):
        return client.get(url).status_code
    if __name__ == "__main__":
        with multiprocessing.Pool() as pool:
            pool.map(get, ["https://example.com"])
    """
    warm = "client = httpx.Client()\n    client.get('https://example.com/warm')"
    used = unused.replace("client = httpx.Client()", warm)
    assert findings(unused, "PVT106") == []
    assert [line for line, _ in findings(used, "PVT106")] == [7]  # the line numbers of `used`


@pytest.mark.parametrize(
    "use",
    [
        "print(future.result())",
        "return future",
        "done.append(future)",
        "future.add_done_callback(print)",
        "wait([future])",
    ],
)
def test_pvt401_any_read_of_the_stored_future_counts(use):
    source = f"""
    from concurrent.futures import ThreadPoolExecutor, wait
    POOL = ThreadPoolExecutor()
    def work():
        return 1
    def main(done):
        future = POOL.submit(work)
        {use}
    """
    assert findings(source, "PVT401") == []


def test_pvt401_an_executor_from_a_parameter_is_not_known():
    source = """
    def work():
        return 1
    def main(executor):
        executor.submit(work)
    """
    assert findings(source, "PVT401") == []


def test_pvt401_asyncio_run_in_executor_is_not_judged():
    # asyncio logs "Future exception was never retrieved" for a dropped asyncio future.
    source = """
    import asyncio
    def work():
        return 1
    async def main():
        loop = asyncio.get_running_loop()
        loop.run_in_executor(None, work)
    """
    assert findings(source, "PVT401") == []
