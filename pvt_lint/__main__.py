import os
import sys
import sysconfig

# `python -m pvt_lint` puts the current directory on sys.path (and an empty PYTHONPATH entry does
# too), and the directory being linted is usually the current one: a file there named string.py or
# click.py would be imported, i.e. run, in place of the real module. pvt-lint never runs the code it
# reads, and needs nothing from that directory (the package itself is already imported), so it goes.
# Unless the package itself lives there (run from a checkout): the worker processes, spawned, import
# pvt_lint again through this same sys.path, and without that entry every one of them died at start.
# Never the interpreter's own library, though: linting the standard library from its folder
# (`cd .../lib/python3.11 && pvt-lint .`) took the stdlib off the path, and `__future__` with it.
_HOME = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY = {os.path.abspath(path) for path in sysconfig.get_paths().values()}
if os.getcwd() != _HOME:
    sys.path[:] = [
        entry for entry in sys.path
        if os.path.abspath(entry or os.curdir) != os.getcwd() or (entry and os.path.abspath(entry) in _LIBRARY)
    ]

from .cli import main  # noqa: E402


def run() -> None:
    """The ``pvt-lint`` command: ``pvt-lint server`` starts the language server (as ``ruff server``
    does); anything else is the CLI. The faces do not import each other, so the choice is made here,
    above them. A directory named ``server`` is linted as ``pvt-lint server/`` or ``pvt-lint ./server``."""
    if sys.argv[1:2] == ["server"]:
        from .server import main as serve

        sys.exit(serve(sys.argv[2:]))
    main()


if __name__ == "__main__":
    run()
