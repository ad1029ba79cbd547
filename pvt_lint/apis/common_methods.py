"""Method names that builtin and standard-library objects have (part of the registry layer).

A dispatch target such as ``pool.apply_async(image.process)`` names a method on a receiver the model
cannot type (``image`` came out of a queue). When exactly one class of the module defines a method of
that name, the target is taken to be that method, unless the name is one these common objects have too:
``job.get``, ``worker.run`` or ``conn.send`` may well be a dict's, a thread's or a socket's.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=None)
def common_methods() -> frozenset[str]:
    """The public method names of the builtin containers, files, sockets, threads, processes, queues,
    pools, futures, event loops, subprocesses and database cursors (imported on first use only: most
    runs never ask)."""
    import asyncio
    import concurrent.futures
    import io
    import multiprocessing.connection
    import multiprocessing.pool
    import queue
    import socket
    import socketserver
    import sqlite3
    import subprocess
    import threading

    kinds = (
        dict, list, set, frozenset, str, bytes, bytearray, tuple, int, float,
        io.IOBase, io.TextIOWrapper, io.BufferedReader, io.BufferedWriter, socket.socket,
        threading.Thread, threading.Event, threading.Condition, threading.Timer, type(threading.Lock()),
        multiprocessing.Process, multiprocessing.pool.Pool, multiprocessing.connection.Connection,
        queue.Queue, concurrent.futures.Future, concurrent.futures.Executor,
        asyncio.AbstractEventLoop, asyncio.Task, subprocess.Popen, sqlite3.Connection, sqlite3.Cursor,
        socketserver.BaseServer, socketserver.BaseRequestHandler,
    )
    return frozenset(name for kind in kinds for name in dir(kind) if not name.startswith("_"))
