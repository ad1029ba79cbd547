"""What a summary needs from the syntax tree that the ``ModuleModel`` facade does not expose (yet):
relative imports (the collector keeps absolute ones only) and class docstrings. Statement-level
walks only: no expression is visited."""

from __future__ import annotations

import re

import libcst as cst

from .names import resolve_relative

# A docstring saying instances are shared between threads (the library case of PVT201).
_THREAD_SAFE_DOC = re.compile(
    r"thread[- ]?safe|(?:shared|used|safe)\s+(?:\w+\s+){0,3}(?:between|across|from|by)\s+(?:\w+\s+){0,2}threads",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|never|no|non|without|unsafe)\b|n't\b|\bnon-|\bun-?safe", re.IGNORECASE)


def _statements(body) -> list:
    """Statements of a block and of the blocks nested in it (functions and classes included)."""
    out, stack = [], list(body)
    while stack:
        node = stack.pop()
        out.append(node)
        for attr in ("body", "orelse", "finalbody", "handlers"):
            child = getattr(node, attr, None)
            if child is None:
                continue
            if isinstance(child, (list, tuple)):
                stack.extend(child)
            elif isinstance(child, cst.BaseSuite):
                stack.extend(child.body)
            elif isinstance(child, cst.CSTNode):
                stack.append(child)
    return out


def relative_imports(tree: cst.Module, module: str, is_package: bool) -> dict[str, str]:
    """``from .b import g`` -> {"g": "pkg.b.g"}; ``from . import b`` -> {"b": "pkg.b"}."""
    out: dict[str, str] = {}
    for statement in _statements(tree.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or not small.relative or isinstance(small.names, cst.ImportStar):
                continue
            target = cst.Module([]).code_for_node(small.module) if small.module is not None else ""
            base = resolve_relative(module, is_package, len(small.relative), target)
            if base is None:
                continue
            for alias in small.names:
                name = cst.Module([]).code_for_node(alias.name)
                local = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
                out[local] = f"{base}.{name}"
    return out


# Where a docstring starts describing arguments or attributes (reST fields, Google and NumPy sections):
# a sentence from there on is about one of them ("The callable must be thread-safe", kombu's password).
_FIELDS = re.compile(
    r"^[ \t]*(?::(?:param|parameter|arg|argument|key|keyword|ivar|cvar|var|type)\b"
    r"|(?:Args|Arguments|Parameters|Params|Keyword Arguments|Keyword Args|Other Parameters|Attributes)[ \t]*:?[ \t]*$)",
    re.MULTILINE,
)


# A sentence about some of the class's methods, or about something else it is given ("The methods used
# during collection are thread-safe. Other methods may not be.": coverage's CoverageData): not a word
# about the class as a whole. "All methods are thread-safe" is.
_PART = re.compile(
    r"^\W*(?:the|these|those|some|other|only|certain)\s+(?:\w+\s+){0,2}?"
    r"(?:methods?|functions?|callables?|callbacks?|handlers?|hooks?|operations?|attributes?)\b",
    re.IGNORECASE,
)


def _thread_safe_sentence(doc: str) -> str:
    """The first sentence saying the class is meant for several threads, in the class's own prose (before
    its argument and attribute fields); a sentence with a negation ("not thread-safe", "must never be
    shared between threads", "unsafe") says the opposite."""
    fields = _FIELDS.search(doc)
    if fields:
        doc = doc[: fields.start()]
    for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", doc):
        if _THREAD_SAFE_DOC.search(sentence) and not _NEGATION.search(sentence) and not _PART.search(sentence):
            return " ".join(sentence.split()).rstrip(".")
    return ""


def class_docstrings(tree: cst.Module) -> dict[str, str]:
    """qualname -> the docstring sentence saying the class is shared between threads."""
    out: dict[str, str] = {}
    stack = [(c, "") for c in tree.body if isinstance(c, cst.ClassDef)]
    while stack:
        node, prefix = stack.pop()
        qualname = prefix + node.name.value
        sentence = _thread_safe_sentence(node.get_docstring() or "")
        if sentence:
            out[qualname] = sentence
        stack.extend((c, qualname + ".") for c in node.body.body if isinstance(c, cst.ClassDef))
    return out
