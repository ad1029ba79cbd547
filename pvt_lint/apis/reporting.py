"""What reports a task's exception where someone will see it, and the decorators that wrap nothing
around a task's failures (part of the registry layer; PVT401 reads them)."""

from __future__ import annotations

# Methods of a ``logging.Logger`` (and functions of ``logging``) that record an error: ``log.exception``,
# ``self.logger.error(..., exc_info=True)``, ``logging.critical``.
LOGGING_METHODS = frozenset({"exception", "error", "critical", "fatal", "warning", "warn"})

# Calls that print or format the exception being handled.
PRINTS_EXCEPTION = frozenset({
    "traceback.print_exc", "traceback.print_exception", "traceback.format_exc", "traceback.format_exception",
})

# Decorators that change how a function is bound or cached, never what happens to its exceptions.
INERT_DECORATORS = frozenset({
    "staticmethod", "classmethod", "functools.lru_cache", "functools.cache", "functools.wraps",
    "abc.abstractmethod", "typing.override", "typing_extensions.override", "typing.final",
})
