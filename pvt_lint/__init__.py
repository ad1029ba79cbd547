"""pvt-lint: find the bugs that come from confusing processes with threads."""

__version__ = "0.1.0"
