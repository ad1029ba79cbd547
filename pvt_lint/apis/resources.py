"""The registry's resources: what PVT106 knows of connections and PVT401 of futures (part of the registry
layer; ``pvt_lint.apis`` re-exports every name)."""

from __future__ import annotations

from dataclasses import dataclass

# ---- connections: PVT106 (rules19b) --------------------------------------------------------------
# Objects that hold a socket, a file or a client's connection pool, and so must not cross a fork: both
# processes would read and write the one descriptor. Not in RECORDS: they lead to no finding by
# themselves (PVT106 needs a process dispatch too), so the prefilter and the gate need not look for them.
# ``OPENS_AT_ONCE``: the constructor opens the descriptor (or starts threads that do) before it returns;
# the others connect on first use, so they are shared only when the parent used them before the fork.
# What each library says (checked with each one's own documentation or source):
# - socket.socket, socket.create_connection: a file descriptor, inherited by a forked child.
# - sqlite3.connect: sqlite.org "How To Corrupt An SQLite Database File" §2.6, "Carrying an open database
#   connection across a fork()": the child must not use it.
# - psycopg2/psycopg (libpq): the libpq manual warns that forking with open connections "can lead to
#   unpredictable results because the parent and child processes share the same sockets".
# - pymysql, MySQLdb, mysql.connector: a plain socket made in ``connect()``; no pid check in any of them
#   (a shared connection gives "Packet sequence number wrong").
# - requests.Session (urllib3): urllib3 issue #850 and requests issue #4323, "Sessions not safe in
#   multi-process environment": pools used before a fork are shared; no after-fork reset.
# - httpx.Client (httpcore's pool): no pid check or after-fork reset either.
# - sqlalchemy.create_engine: "Using Connection Pools with Multiprocessing or os.fork()" (core/pooling):
#   pooled connections must not reach a forked process; ``engine.dispose(close=False)`` in the child.
# - pymongo.MongoClient: FAQ "Is PyMongo fork-safe?": "instances of MongoClient must not be copied from a
#   parent process to a child process" (its monitor threads connect at construction).
# - grpc.insecure_channel/secure_channel: grpc doc/fork_support.md: gRPC Python "doesn't support fork()"
#   for objects created before it unless GRPC_ENABLE_FORK_SUPPORT is set.
# Left out on purpose: redis-py (``ConnectionPool._checkpid`` compares ``os.getpid()`` and reconnects in
# the child, redis-py issue #234), and psycopg_pool/aiohttp/asyncio clients (not usable across fork at all).
OPENS_AT_ONCE = "at-once"
OPENS_ON_USE = "on-first-use"


@dataclass(frozen=True)
class Connection:
    """A constructor of an object that holds a connection; ``names`` as the resolver spells them."""

    names: tuple[str, ...]
    opens: str  # OPENS_AT_ONCE or OPENS_ON_USE


_CONNECTIONS = (
    Connection(("socket.socket", "socket.create_connection"), OPENS_AT_ONCE),
    Connection(("sqlite3.connect", "sqlite3.Connection", "sqlite3.dbapi2.connect"), OPENS_AT_ONCE),
    Connection(("psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect"), OPENS_AT_ONCE),
    Connection(("pymysql.connect", "pymysql.Connect", "pymysql.connections.Connection"), OPENS_AT_ONCE),
    Connection(("MySQLdb.connect", "MySQLdb.Connect", "MySQLdb.Connection"), OPENS_AT_ONCE),
    Connection(("mysql.connector.connect",), OPENS_AT_ONCE),
    Connection(("pymongo.MongoClient", "pymongo.mongo_client.MongoClient"), OPENS_AT_ONCE),
    Connection(("grpc.insecure_channel", "grpc.secure_channel"), OPENS_AT_ONCE),
    Connection(("requests.Session", "requests.session", "requests.sessions.Session"), OPENS_ON_USE),
    Connection(("httpx.Client",), OPENS_ON_USE),
    Connection(("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine"), OPENS_ON_USE),
)
# Constructor (as the resolver spells it) -> when it opens its connection.
CONNECTION_CONSTRUCTORS: dict[str, str] = {name: c.opens for c in _CONNECTIONS for name in c.names}
# First arguments that make a connection private to each process: an in-memory SQLite database is copied,
# not shared, by fork. (``socket.socketpair`` is left out of the table: it is made to be shared.)
PRIVATE_TARGETS = frozenset({":memory:"})
# A call on a connection, made first in the child, that drops what the parent opened (SQLAlchemy's advice).
CONNECTION_RESETS = frozenset({"dispose"})
# Socket calls of a pre-fork server: a listening socket is shared with forked workers by design.
LISTENING_CALLS = frozenset({"bind", "listen", "accept"})


# ---- futures: PVT401 (rules19b) -----------------------------------------------------------------------
# Pool methods that return one future (or AsyncResult) whose exception is raised only when it is asked for.
FUTURE_METHODS = frozenset({"submit", "apply_async"})
# Keywords of those methods that see the exception themselves (``apply_async(..., error_callback=log)``).
ERROR_CALLBACK_KEYWORDS = frozenset({"error_callback"})
# Tasks submitted only to start or wake the workers, which cannot fail (loky's tests: ``submit(sleep, 0.1)``,
# ``submit(id, 42)``); builtins count too.
WARM_UP_TASKS = frozenset({"time.sleep", "os.getpid", "threading.get_ident"})
# Calls that kill a process on purpose: a task that makes one breaks its pool by design (loky's tests kill
# a worker to test recovery), so the failure of its future is expected and nobody asks for it.
PROCESS_KILLERS = frozenset({"os.kill", "os.killpg", "os._exit", "os.abort", "signal.pthread_kill"})


# ---- third-party process starters -------------------------------------------------------------------
# The libraries whose calls start processes out of sight: a script that calls them at import time,
# without a main guard, re-runs itself in every spawned worker (PVT103). Each entry says when the call
# starts processes, judged from literal arguments only (model/starters.py): an argument that is not a
# literal leaves the call out (precision first). The standard library's starters are above.
@dataclass(frozen=True)
class ProcessStarter:
    """A call that starts processes when ``keyword`` (or the argument at ``position``) says so."""

    what: str  # for messages: "starts worker processes when iterated"
    keyword: str = ""
    position: int = -1
    # the argument's literal values that start processes; () means any literal int > 0
    values: tuple[str, ...] = ()
    default: bool = False  # whether the call starts processes when the argument is absent
    # keyword arguments whose literal value means threads, not processes (joblib's prefer="threads")
    thread_markers: tuple[tuple[str, str], ...] = ()


THIRD_PARTY_PROCESS_STARTERS: dict[str, ProcessStarter] = {
    # Iterating a DataLoader with num_workers > 0 forks or spawns that many workers (torch's default
    # start method follows multiprocessing's); 0, the default, loads in the main process.
    "torch.utils.data.DataLoader": ProcessStarter(
        "starts worker processes when iterated (num_workers > 0)", keyword="num_workers", position=7),
    "torch.utils.data.dataloader.DataLoader": ProcessStarter(
        "starts worker processes when iterated (num_workers > 0)", keyword="num_workers", position=7),
    # joblib's default backend, loky, runs tasks in worker processes; "threading" does not.
    "joblib.Parallel": ProcessStarter(
        "runs its tasks in worker processes (a process backend)", keyword="backend", position=1,
        values=("loky", "multiprocessing"), default=True,
        thread_markers=(("prefer", "threads"), ("require", "sharedmem"), ("n_jobs", "1"))),
    "torch.multiprocessing.spawn": ProcessStarter("starts processes", default=True),
    "torch.multiprocessing.start_processes": ProcessStarter("starts processes", default=True),
    "loky.get_reusable_executor": ProcessStarter("starts a process pool", default=True),
    "pathos.multiprocessing.ProcessPool": ProcessStarter("starts a process pool", default=True),
    "pathos.pools.ProcessPool": ProcessStarter("starts a process pool", default=True),
}

# ---- callables kept by values: PVT102 ---------------------------------------------------------------
# Objects that keep a callable they are built with and pickle it with themselves, by the position of that
# argument (positional only): ``defaultdict.__reduce__`` returns its default factory, so a
# ``defaultdict(lambda: 0)`` fails to pickle as a lambda does (``defaultdict(default_factory=f)`` is a
# dict with that key, and no factory).
CALLABLE_KEEPERS: dict[str, int] = {
    "collections.defaultdict": 0,
}
# Calls that make a class: one made inside a function is ``f.<locals>.Name`` (or a name pickle looks up
# in the module and does not find), so its instances cannot be pickled.
CLASS_FACTORIES = frozenset({"collections.namedtuple", "typing.NamedTuple"})

# Objects pickle refuses, by the call that makes them (a project class holding one in ``self`` cannot be
# sent to a process either). What each one's failure says (barman's and cloudlift's reports of the real-bug
# set quote the boto3 ones):
# - boto3 clients and resources: their classes are made at run time, so pickle cannot look them up
#   ("Can't pickle <class 'botocore.client.ECS'>: attribute lookup ECS on botocore.client failed").
# - sqlite3.connect: "cannot pickle 'sqlite3.Connection' object".
# - open() / io.open(): "cannot pickle '_io.TextIOWrapper' object" (open or closed).
# Sockets are left out: multiprocessing registers a reducer that sends them to its children.
UNPICKLABLE_OBJECTS: dict[str, str] = {
    **{f"{session}{kind}": f"a boto3 {kind}" for session in ("boto3.", "boto3.Session().",
                                                              "boto3.session.Session().")
       for kind in ("client", "resource")},
    "sqlite3.connect": "an sqlite3 connection",
    "open": "an open file",
    "io.open": "an open file",
}
