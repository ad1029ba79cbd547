"""One read-only traversal that calls every visitor's ``visit_*`` / ``leave_*`` methods.

It stands in for ``MetadataWrapper.visit_batched``, whose cost was mostly not the visitors' work:

- libcst's ``CSTNode.visit`` rebuilds every node it passes (``_visit_and_replace_children`` constructs a
  new node even when nothing changed), which is needed for transformers and wasted on read-only visitors;
- ``visit_batched`` lists each visitor's methods with ``inspect.getmembers`` on every call, over the
  hundreds of no-op stubs every ``CSTVisitor`` inherits;
- every node and every attribute of every node goes through a string-formatted method lookup, and the
  whitespace, comment and operator-token nodes (about half of a tree) are visited although no visitor
  here looks at them.

The order of calls is libcst's own: for each node class the order in which its children are visited is
learned once, from libcst's ``_visit_and_replace_children`` itself (once per combination of absent
fields for the few classes whose visit depends on them), and ``tests/test_walk.py`` checks
that the calls are the same, in the same order, as libcst's batched visit on every fixture. The one
difference is deliberate: subtrees of token and whitespace nodes are not entered when no visitor has a
method for any token type.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import typing
from typing import Callable, Iterator, Sequence

import libcst as cst
from libcst import MaybeSentinel

# Node classes that hold no code: whitespace, comments, punctuation and operator tokens.
_TOKEN_BASES: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace,
    cst.TrailingWhitespace,
    cst.EmptyLine,
    cst.Newline,
    cst.Comment,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.AssignEqual,
    cst.Colon,
    cst.Comma,
    cst.Dot,
    cst.Semicolon,
    cst.ImportStar,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Asynchronous,
)


def _is_token(cls: type) -> bool:
    # By the MRO, not issubclass: the bases are ABCs, whose subclass checks cost ~20 ms at import.
    return any(base in _TOKEN_BASES for base in cls.__mro__)


_TOKEN_CLASS_NAMES = frozenset(c.__name__ for c in vars(cst).values() if isinstance(c, type) and _is_token(c))

_Method = Callable[[cst.CSTNode], object]


class _FieldRecorder(cst.CSTVisitor):
    """Records the attribute names libcst visits on one node, without descending."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        pass

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


def _field_order(node: cst.CSTNode) -> tuple[str, ...]:
    """The attributes libcst visits on this node, in its order."""
    recorder = _FieldRecorder()
    node._visit_and_replace_children(recorder)
    return tuple(recorder.fields)


_ORDERS: dict[tuple, tuple[str, ...]] = {}


def _order(node: cst.CSTNode, conditional: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``_field_order``, learned once per class (and per combination of its conditional fields)."""
    key = (type(node), *(getattr(node, name) is None for name in conditional))
    found = _ORDERS.get(key)
    if found is None:
        found = _ORDERS[key] = _field_order(node)
    return found


_TOKEN_FIELDS: dict[type, frozenset[str]] = {}


def _token_fields(cls: type) -> frozenset[str]:
    """The fields of a node class that can hold only tokens, whitespace, strings or nothing, by their
    declared types (a field whose type cannot be read is not one of them)."""
    found = _TOKEN_FIELDS.get(cls)
    if found is None:
        found = _TOKEN_FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls) if _holds_no_code(f.type))
    return found


def _holds_no_code(declared: object) -> bool:
    if declared in (str, type(None), MaybeSentinel):
        return True
    if isinstance(declared, type):
        return issubclass(declared, cst.CSTNode) and _is_token(declared)
    origin = typing.get_origin(declared)
    if origin is typing.Literal:
        return True
    if origin in (typing.Union, collections.abc.Sequence):
        return all(_holds_no_code(arg) for arg in typing.get_args(declared))
    return False


_CONDITIONAL: dict[type, tuple[str, ...]] = {}


def _conditional_fields(node: cst.CSTNode, order: tuple[str, ...]) -> tuple[str, ...]:
    """Optional fields that libcst visits only when they are present (learned once per class).

    libcst 1.9 has one such case, ``format_spec`` of f-string and t-string expressions: a
    ``visit_sequence`` when there is one, no attribute call at all when it is None. Every field whose
    default is None is tried both ways, so another such case in a later libcst is found too.
    """
    cls = type(node)
    found = _CONDITIONAL.get(cls)
    if found is None:
        conditional = []
        for field in dataclasses.fields(node):
            if field.default is not None:
                continue
            if getattr(node, field.name) is None:
                if field.name not in order:
                    conditional.append(field.name)
                continue
            try:
                absent = _field_order(node.with_changes(**{field.name: None}))
            except Exception:  # noqa: BLE001 - a field that cannot be None is not conditional
                continue
            if field.name in order and field.name not in absent:
                conditional.append(field.name)
        found = _CONDITIONAL[cls] = tuple(conditional)
    return found


_METHOD_NAMES: dict[type, frozenset[str]] = {}


def _method_names(cls: type) -> frozenset[str]:
    """The visitor methods a class really defines (libcst's no-op stubs excluded), cached per class."""
    names = _METHOD_NAMES.get(cls)
    if names is None:
        names = _METHOD_NAMES[cls] = frozenset(
            name
            for name in dir(cls)
            if name.startswith(("visit_", "leave_"))
            and callable(getattr(cls, name))
            and not getattr(getattr(cls, name), "_is_no_op", False)
        )
    return names


_NODE_TYPES: dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return found


class _Conditional:
    __slots__ = ("fields", "plans")

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.plans: dict[tuple[bool, ...], tuple] = {}


class Walker:
    """Calls ``visitors``' methods over a tree in libcst's order, visitors in the given order."""

    def __init__(self, visitors: Sequence[cst.CSTVisitor]) -> None:
        self._visitors = tuple(visitors)
        self._names = [_method_names(type(v)) for v in self._visitors]
        every = frozenset().union(*self._names)
        # Token subtrees hold only other tokens: enter none of them unless someone looks at a token.
        self._skip_tokens = not ({name.split("_")[1] for name in every} & _TOKEN_CLASS_NAMES)
        # class -> (visit methods, leave methods, ((field, before, after), ...)); None = not entered
        self._plans: dict[type, object] = {}

    def _bound(self, name: str) -> tuple[_Method, ...]:
        return tuple(getattr(v, name) for v, names in zip(self._visitors, self._names) if name in names)

    def _plan(self, node: cst.CSTNode):
        cls = type(node)
        kind = cls.__name__
        if self._skip_tokens and _is_token(cls):
            self._plans[cls] = None
            return None
        order = _order(node)
        conditional = _conditional_fields(node, order)
        if conditional:
            # Plans for this class depend on which of these fields are present: one per combination.
            self._plans[cls] = _Conditional(conditional)
            return self._conditional_plan(node, self._plans[cls])
        plan = self._plans[cls] = self._make(cls, order)
        return plan

    def _conditional_plan(self, node: cst.CSTNode, conditional: "_Conditional"):
        key = tuple(getattr(node, name) is None for name in conditional.fields)
        plan = conditional.plans.get(key)
        if plan is None:
            plan = conditional.plans[key] = self._make(type(node), _order(node, conditional.fields))
        return plan

    def _make(self, cls: type, order: tuple[str, ...]):
        kind = cls.__name__
        # A field that can hold only tokens is left out, unless someone has a method for it.
        skipped = _token_fields(cls) if self._skip_tokens else frozenset()
        fields = tuple(
            (field, before, after)
            for field in order
            for before, after in [(self._bound(f"visit_{kind}_{field}"), self._bound(f"leave_{kind}_{field}"))]
            if before or after or field not in skipped
        )
        return (self._bound(f"visit_{kind}"), self._bound(f"leave_{kind}"), fields)

    def walk(self, node: cst.CSTNode) -> None:
        # Recursive: the engine runs analysis on a thread with a large stack and a high recursion limit.
        self._walk(node, self._plans)

    def _walk(self, node: cst.CSTNode, plans: dict) -> None:
        plan = plans.get(type(node), False)
        if plan is False:
            plan = self._plan(node)
        if plan is None:
            return
        if type(plan) is _Conditional:
            plan = self._conditional_plan(node, plan)
        visits, leaves, fields = plan
        for method in visits:
            method(node)
        walk = self._walk
        for field, before, after in fields:
            for method in before:
                method(node)
            value = getattr(node, field)
            kind = type(value)
            if kind is tuple or kind is list:
                for child in value:
                    walk(child, plans)
            elif kind in plans or _is_node(kind):  # a dict lookup before the ABC isinstance check
                walk(value, plans)
            for method in after:
                method(node)
        for method in leaves:
            method(node)


_FIELDS: dict[type, tuple[str, ...]] = {}


def code_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's children other than whitespace, comments and tokens, in no particular order.

    libcst's ``node.children`` rebuilds the node to find them; this reads the dataclass fields.
    """
    fields = _FIELDS.get(type(node))
    if fields is None:
        fields = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    out: list[cst.CSTNode] = []
    for name in fields:
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(v for v in value if _is_code(type(v)))
        elif _is_code(kind):
            out.append(value)
    return out


_CODE_TYPES: dict[type, bool] = {}


def _is_code(kind: type) -> bool:
    """A node class that is not whitespace, a comment or a token."""
    found = _CODE_TYPES.get(kind)
    if found is None:
        found = _CODE_TYPES[kind] = issubclass(kind, cst.CSTNode) and not _is_token(kind)
    return found


def own_nodes(function: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes of a function's own body, without those of the functions, lambdas and classes defined in
    it (in no particular order)."""
    stack = list(code_children(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        yield node
        stack.extend(code_children(node))
