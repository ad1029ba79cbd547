"""PVT106: a socket, database connection or client made in the parent and used in a forked child."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst

from ..apis import (
    CLOUDPICKLE,
    CONNECTION_CONSTRUCTORS,
    CONNECTION_RESETS,
    LISTENING_CALLS,
    OPENS_ON_USE,
    PRIVATE_TARGETS,
    record_of,
)
from ..model import FREE, GLOBAL, PROCESS, DispatchSite, FunctionInfo, ModuleModel
from ..walk import code_children
from .base import Rule

_PROCESS_OBJECT_ROLES = ("target", "run")  # a Process object: the child is a fork of the whole parent
_CONTEXT_KEYWORDS = ("mp_context", "context")
_NESTED_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


class ConnectionSharedAcrossFork(Rule):
    """Connection made in the parent and used by code that runs in a forked child process.

    ## What it does
    Flags a socket, a database connection (`sqlite3`, `psycopg2`, `psycopg`, `pymysql`, `MySQLdb`,
    `mysql.connector`), a SQLAlchemy engine, a `pymongo.MongoClient`, a gRPC channel or an HTTP session
    (`requests.Session`, `httpx.Client`) that is made in the parent process, at import time or before
    the start, and then used by code that runs in a child process started with `fork`: a `Process`
    target or `run`, a pool task or initializer, or what they call. The start method is read like
    PVT102 reads it: an explicit context (`get_context("spawn")`, a pool's `mp_context=`), the module's
    `set_start_method`, otherwise the platform default, which is `fork` on Linux before Python 3.14
    (macOS since 3.8, Windows always, and Linux since 3.14 start with `spawn` or `forkserver`); a
    configuration whose `platforms` never fork by default (Windows, macOS) is not reported there.

    ## Why is this bad?
    `fork` copies the parent's memory and its file descriptors: after it, parent and child hold the
    same socket or database file, not two. Both write their requests into one stream, so the protocol
    messages interleave and each reply is read by whichever process reads first: wrong results,
    "Packet sequence number wrong", SSL errors, a corrupt SQLite file, a deadlock in a client whose
    lock was held at the fork. The libraries say so (SQLite's "How To Corrupt", libpq's manual,
    PyMongo's FAQ, SQLAlchemy's pooling guide, gRPC's fork notes). Clients that connect on first use
    (`requests.Session`, `httpx.Client`, `create_engine`) are reported only when the parent uses them
    too, since only then do they hold a connection to share.

    ## Example
    ```python
    import multiprocessing
    import sqlite3

    db = sqlite3.connect("jobs.db")

    def record(job):
        db.execute("INSERT INTO done VALUES (?)", (job,))
        db.commit()

    if __name__ == "__main__":
        db.execute("CREATE TABLE IF NOT EXISTS done (job INTEGER)")
        with multiprocessing.Pool(4) as pool:
            pool.map(record, range(100))
    ```

    ## Use instead
    ```python
    import multiprocessing
    import sqlite3

    db = None

    def connect():
        global db
        db = sqlite3.connect("jobs.db", timeout=30)

    def record(job):
        db.execute("INSERT INTO done VALUES (?)", (job,))
        db.commit()

    if __name__ == "__main__":
        with sqlite3.connect("jobs.db") as setup:
            setup.execute("CREATE TABLE IF NOT EXISTS done (job INTEGER)")
        with multiprocessing.Pool(4, initializer=connect) as pool:
            pool.map(record, range(100))
    ```

    ## Concept
    [9. Connections belong to one house](docs/concepts.md#9-connections-belong-to-one-house)

    ## Reproduction
    `pvt-lint --repro PVT106` opens one socket to a small echo server in the parent, forks four
    children that ask it questions over that socket, and counts the answers that reach the wrong
    process; `pvt-lint --repro PVT106 --fixed` opens the socket in a pool `initializer`, one per child.

    ## Known limitations
    Only connections bound to a module-level name, to a name of the function that starts the child
    (and passed in `args=`/`initargs=` or read by a nested target), or to `self.x` of the `Process`
    subclass or object whose method runs in the child, are seen; connections kept in containers,
    returned by factory functions, or made by wrappers the registry does not list are not. A
    connection bound inside a function (a lazy `get_db()` that sets a global) is not reported, since
    whether the parent calls it before the fork cannot be told. A socket on which the module calls
    `bind`, `listen` or `accept` is a pre-fork server's listening socket, shared on purpose, and is not
    reported; nor is a connection on which the module calls `dispose()` (SQLAlchemy's advice for the
    child), nor an in-memory SQLite database (fork copies it), nor a `socket.socketpair()` (made to be
    shared). A client that connects on first use counts as used by the parent when the parent reads
    its name at all, even only to pass it on (`sessionmaker(bind=engine)`). `os.fork()` called
    directly, and start methods set in another module, are not seen. redis-py is left out on purpose:
    its pool checks the process id and reconnects in the child.
    """

    CODE = "PVT106"
    NAME = "connection-shared-across-fork"
    MESSAGE = "`{name}` ({api}, line {line}) is {how} `{user}` {party}; under fork both processes use one connection"
    CONCEPT = "9-connections-belong-to-one-house"
    VALID = (
        # One connection per process: made in the pool initializer.
        """
import multiprocessing
import sqlite3
db = None
def connect():
    global db
    db = sqlite3.connect("jobs.db")
def record(job):
    db.execute("INSERT INTO done VALUES (?)", (job,))
if __name__ == "__main__":
    with multiprocessing.Pool(4, initializer=connect) as pool:
        pool.map(record, range(10))
""",
        # Near miss: the connection is made inside the worker, and a spawn context re-imports the module.
        """
import multiprocessing
import socket
import psycopg2
sock = socket.create_connection(("localhost", 9000))
def worker(dsn):
    conn = psycopg2.connect(dsn)
    conn.cursor().execute("SELECT 1")
    sock.sendall(b"ping")
if __name__ == "__main__":
    ctx = multiprocessing.get_context("spawn")
    ctx.Process(target=worker, args=("dbname=test",)).start()
""",
        # Near miss: only the parent uses it; redis-py reconnects in the child by itself.
        """
import multiprocessing
import pymysql
import redis
conn = pymysql.connect(host="db")
cache = redis.Redis()
def work(n):
    cache.incr("done")
    return n * n
if __name__ == "__main__":
    with multiprocessing.Pool() as pool:
        results = pool.map(work, range(10))
    conn.cursor().executemany("INSERT INTO squares VALUES (%s)", results)
""",
    )
    INVALID = (
        """
import multiprocessing
import sqlite3
db = sqlite3.connect("jobs.db")
def record(job):
    db.execute("INSERT INTO done VALUES (?)", (job,))  # expect: PVT106
if __name__ == "__main__":
    with multiprocessing.Pool(4) as pool:
        pool.map(record, range(10))
""",
        # Made before the start and handed over in args=, under an explicit fork context.
        """
import multiprocessing
import psycopg2
def export(conn, table):
    conn.cursor().execute(f"COPY {table} TO STDOUT")
def main():
    conn = psycopg2.connect("dbname=shop")
    ctx = multiprocessing.get_context("fork")
    for table in ("orders", "users"):
        ctx.Process(target=export, args=(conn, table)).start()  # expect: PVT106
""",
        # A session the parent has used, and a channel made in __init__ of a Process subclass.
        """
import multiprocessing
import grpc
import requests
session = requests.Session()
session.post("https://api.example/login", data={"user": "me"})
class Poller(multiprocessing.Process):
    def __init__(self):
        super().__init__()
        self.channel = grpc.insecure_channel("localhost:50051")
    def run(self):
        session.get("https://api.example/jobs")  # expect: PVT106
        self.channel.unary_unary("/jobs/Next")  # expect: PVT106
""",
    )

    def check(self, model: ModuleModel) -> None:
        forked: dict[str, list[DispatchSite]] = {}
        for qualname, sites in model.child_run(initializers=True).items():
            found = [s for s in sites if _forks(model, s)]
            if found:
                forked[qualname] = found
        if not forked:
            return
        calls = _method_calls(model)
        for (scope, name), (resolved, node) in list(model.values.items()):
            api = resolved[:-2] if resolved.endswith("()") else None
            if api not in CONNECTION_CONSTRUCTORS:
                continue
            if api.startswith("socket.") and calls.get(name, set()) & LISTENING_CALLS:
                continue  # a pre-fork server's listening socket
            if _private(node):
                continue  # sqlite3.connect(":memory:"): fork copies it
            line = model.position(node).start.line
            made_in = _enclosing(model, line)
            if made_in is not None and model.within(made_in.qualname, forked):
                continue  # made in the child
            shown = dict(name=name, api=api, line=line)
            if name.startswith("self."):
                self._self_uses(model, forked, scope, name[5:], made_in, shown)
            elif scope in model.functions:
                self._passed(model, forked, scope, name, line, api, calls, shown)
            elif made_in is None:
                self._global_uses(model, forked, name, api, calls, shown)

    # ---- three ways a connection reaches the child ---------------------------------------------------
    def _global_uses(self, model, forked, name, api, calls, shown) -> None:
        if CONNECTION_CONSTRUCTORS[api] == OPENS_ON_USE and not any(s not in forked for s in model.readers(name)):
            return  # never connected in the parent: each child fills its own pool
        if calls.get(name, set()) & CONNECTION_RESETS:
            return
        for qualname in sorted(forked):
            if model.name_kind(name, qualname) != GLOBAL:
                continue
            use = next(_name_uses(model.functions[qualname].node, name), None)
            if use is not None:
                self._report(model, use, forked[qualname][0], "used by", qualname, shown)

    def _passed(self, model, forked, scope, name, line, api, calls, shown) -> None:
        """A local of the starting function: sent in ``args=``/``initargs=`` or read by a nested target."""
        if CONNECTION_CONSTRUCTORS[api] == OPENS_ON_USE or calls.get(name, set()) & CONNECTION_RESETS:
            return
        for site in model.dispatches:
            if site.caller != scope or site.line < line or site.target is None or not _forks(model, site):
                continue
            if site.role not in ("target", "initializer"):
                continue  # pool tasks pickle their arguments: no descriptor is inherited
            for value in _sent(site):
                if isinstance(value, cst.Name) and value.value == name:
                    self._report(model, value, site, "passed to", site.target, shown)
                    break
        for qualname in sorted(forked):
            if qualname == scope or scope not in model.scope_of(qualname) or model.name_kind(name, qualname) != FREE:
                continue
            use = next(_name_uses(model.functions[qualname].node, name), None)
            if use is not None:
                self._report(model, use, forked[qualname][0], "used by", qualname, shown)

    def _self_uses(self, model, forked, owner, attr, made_in: Optional[FunctionInfo], shown) -> None:
        """``self.attr`` of an object whose method runs in the child: the object was forked with it."""
        for qualname in sorted(forked):
            fn = model.functions[qualname]
            sites = [s for s in forked[qualname] if s.role in _PROCESS_OBJECT_ROLES]
            if fn.class_qualname != owner or not fn.self_name or not sites:
                continue
            if made_in is not None and made_in.name not in ("__init__", "__new__"):
                continue  # set by some other method: when it runs cannot be told
            use = next(_attribute_uses(fn.node, fn.self_name, attr), None)
            if use is not None:
                shown = dict(shown, name=f"self.{attr}")
                self._report(model, use, sites[0], "used by", qualname, shown)

    def _report(self, model, node: cst.CSTNode, site: DispatchSite, how: str, user: str, shown) -> None:
        fn = model.function(user)
        position = model.position(node)
        if site.elsewhere:
            party = f"in the child process of `{site.api.rsplit('.', 1)[-1]}` (line {site.line})"
        else:
            party = f"in a child process started at line {site.line}"
        message = self.MESSAGE.format(how=how, user=fn.name if fn else user, party=party, **shown)
        self.report(position.start.line, position.start.column, message,
                    end=(position.end.line, position.end.column))


def _forks(model: ModuleModel, site: DispatchSite) -> bool:
    """Does the child of this dispatch start by ``fork`` (named, or a default the configuration meets)?"""
    if site.context != PROCESS:
        return False
    record = record_of(site.api)
    if record is not None and record.pickler == CLOUDPICKLE:
        return False  # loky starts its workers with its own fork+exec
    method = _pool_context_method(model, site) or model.start_method(site)
    return method == "fork" if method else "fork" in model.default_start_methods


def _pool_context_method(model: ModuleModel, site: DispatchSite) -> Optional[str]:
    """The start method of a pool built with ``mp_context=``/``context=`` a ``get_context("...")``."""
    if not site.pool:
        return None
    scope = model.scope_of(site.caller)
    if site.role == "initializer":
        constructor = site.call
    else:
        constructor = _bound_call(model, _receiver(site.call), scope, site)
    if constructor is None:
        return None
    contexts = [a.value for a in constructor.args if a.keyword is not None and a.keyword.value in _CONTEXT_KEYWORDS]
    if isinstance(constructor.func, cst.Attribute):
        contexts.append(constructor.func.value)  # ctx.Pool(), get_context("spawn").Pool()
    for context in contexts:
        method = _context_method(_bound_call(model, context, scope, site))
        if method is not None:
            return method
    return None


def _context_method(context: Optional[cst.Call]) -> Optional[str]:
    """``"spawn"`` for ``get_context("spawn")``."""
    if context is None or not isinstance(context.func, (cst.Name, cst.Attribute)):
        return None
    func = context.func.attr.value if isinstance(context.func, cst.Attribute) else context.func.value
    first = context.args[0].value if context.args else None
    if func == "get_context" and isinstance(first, cst.SimpleString):
        return first.evaluated_value
    return None


def _private(node) -> bool:
    first = node.args[0].value if isinstance(node, cst.Call) and node.args else None
    return isinstance(first, cst.SimpleString) and first.evaluated_value in PRIVATE_TARGETS


def _receiver(call: cst.Call) -> Optional[cst.BaseExpression]:
    return call.func.value if isinstance(call.func, cst.Attribute) else None


def _bound_call(model: ModuleModel, expr, scope: tuple[str, ...], site: DispatchSite) -> Optional[cst.Call]:
    """The call a name (``pool``, ``self.pool``) was bound to, if one: in the dispatching function, its
    last binding before the dispatch (a function may use several pools under one name)."""
    if isinstance(expr, cst.Call):
        return expr
    fn = model.function(site.caller)
    if isinstance(expr, cst.Name) and fn is not None:
        found = _last_binding(model, fn.node, expr.value, site.line)
        if found is not None:
            return found if isinstance(found, cst.Call) else None
    if isinstance(expr, cst.Name):
        keys = [(s, expr.value) for s in scope] + [(k, n) for k, n in model.values if n == expr.value]
    elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
        keys = [(k, n) for k, n in model.values if n == f"self.{expr.attr.value}"]
    else:
        return None
    for key in keys:
        found = model.values.get(key)
        if found is not None and isinstance(found[1], cst.Call):
            return found[1]
    return None


def _last_binding(model: ModuleModel, function: cst.CSTNode, name: str, line: int):
    """The value last bound to ``name`` in ``function`` (``name = v``, ``with v as name``) before ``line``."""
    best, best_line = None, -1
    for node in _own_nodes(function):
        value = None
        if isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name
                                                for t in node.targets):
            value = node.value
        elif (isinstance(node, cst.WithItem) and node.asname is not None
              and isinstance(node.asname.name, cst.Name) and node.asname.name.value == name):
            value = node.item
        if value is not None:
            at = model.position(node).start.line
            if best_line < at <= line:
                best, best_line = value, at
    return best


def _enclosing(model: ModuleModel, line: int) -> Optional[FunctionInfo]:
    """The innermost function of the module around ``line``; None at module level or in a class body."""
    around = [fn for fn in model.functions.values() if fn.line <= line <= fn.end_line and not fn.is_lambda]
    return max(around, key=lambda fn: fn.line) if around else None


def _method_calls(model: ModuleModel) -> dict[str, set[str]]:
    """Name -> the methods called on it anywhere in the module (``sock.listen()``: {"listen"})."""
    out: dict[str, set[str]] = {}
    for call in model.calls:
        func = call.node.func
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Attribute) and isinstance(owner.value, cst.Name):
                key = f"{owner.value.value}.{owner.attr.value}"
            elif isinstance(owner, cst.Name):
                key = owner.value
            else:
                continue
            out.setdefault(key, set()).add(func.attr.value)
    return out


def _sent(site: DispatchSite) -> Iterator[cst.BaseExpression]:
    """What a ``Process`` or pool initializer hands to the child, one container level deep."""
    for value in site.payload:
        if isinstance(value, (cst.Tuple, cst.List)):
            yield from (e.value for e in value.elements if not isinstance(e, cst.StarredElement))
        elif isinstance(value, cst.Dict):
            yield from (e.value for e in value.elements if isinstance(e, cst.DictElement))
        else:
            yield value


def _own_nodes(function: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes of a function's own body, without those of functions and classes defined in it."""
    stack = list(code_children(function))
    while stack:
        node = stack.pop(0)
        if isinstance(node, _NESTED_SCOPES):
            continue
        yield node
        stack[:0] = list(code_children(node))


def _name_uses(function: cst.CSTNode, name: str) -> Iterator[cst.Name]:
    """Reads of ``name`` in a function's own body, in source order (attribute names are not reads)."""
    attrs = set()
    for node in _own_nodes(function):
        if isinstance(node, cst.Attribute):
            attrs.add(id(node.attr))
        elif isinstance(node, cst.Name) and node.value == name and id(node) not in attrs:
            yield node


def _attribute_uses(function: cst.CSTNode, self_name: str, attr: str) -> Iterator[cst.Attribute]:
    for node in _own_nodes(function):
        if (isinstance(node, cst.Attribute) and node.attr.value == attr and isinstance(node.value, cst.Name)
                and node.value.value == self_name):
            yield node
