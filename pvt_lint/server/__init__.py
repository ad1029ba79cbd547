"""``pvt-lint server``: the language server, a face like the CLI and the flake8 plugin.

It speaks the Language Server Protocol over stdin and stdout through pygls, which the optional extra
installs (``pip install 'pvt-lint[server]'``); without it the command says so and exits 2. ``settings``
finds each file's configuration, ``convert`` turns findings into diagnostics and hover text, ``actions``
builds the code actions, and ``protocol`` is the server itself. Only this package imports pygls.
"""

from __future__ import annotations

import sys

USAGE = """Usage: pvt-lint server

  Run the pvt-lint language server: the Language Server Protocol over stdin and stdout, for an editor to
  start (docs/editors.md shows how). It takes no arguments; settings come from the workspace's
  pyproject.toml and from the editor (select, extend-select, ignore).
"""

EXTRA_MISSING = ("pvt-lint: error: the language server needs pygls: install pvt-lint with the 'server' extra "
                 "(pvt-lint[server]) or run pip install pygls")


def main(args: list[str]) -> int:
    """``pvt-lint server ARGS``: the exit status (0 after the client's exit, 2 for a usage error)."""
    if args in (["--help"], ["-h"]):
        sys.stdout.write(USAGE)
        return 0
    if args:
        sys.stderr.write(f"pvt-lint: error: `pvt-lint server` takes no arguments, not {' '.join(args)[:80]!r}\n")
        return 2
    try:
        from .protocol import serve
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        sys.stderr.write(EXTRA_MISSING + "\n")
        return 2
    if sys.stdin.isatty():
        sys.stderr.write("pvt-lint server: speaking the Language Server Protocol on stdin and stdout "
                         "(an editor starts it; Ctrl-C stops it)\n")
    try:
        serve()
    except KeyboardInterrupt:
        return 130
    return 0
