"""Summaries of where work is sent (dispatch sites) and of classes (what their instances hold that
cannot travel to a process, what says they are shared between threads): a part of ``Summarizer``."""

from __future__ import annotations

import libcst as cst

from .. import apis
from ..walk import own_nodes
from .summary import (
    IMPORT_TIME, LAMBDA_ATTR, MAIN, NESTED_ATTR, PRIMITIVE_ATTR, UNPICKLABLE_ATTR, Attribute, ClassSummary, Dispatch,
    ParameterSend,
)


class SiteSummaries:
    """Mixed into ``summary_build.Summarizer``, whose ``model``, ``module``, ``qualify``, ``_local`` and
    ``docstrings`` it uses."""

    # ---- dispatches -------------------------------------------------------------------------
    def _dispatch(self, site) -> Dispatch:
        m = self.model
        caller = site.caller or (MAIN if m.in_main_guard(site.line) else IMPORT_TIME)
        scope = m.scope_of(site.caller)
        return Dispatch(
            context=site.context, api=site.api, role=site.role, form=site.form,
            target=self._target(site, scope), caller=caller, line=site.line, column=site.column,
            payload=bool(site.payload) or _partial_with_arguments(site.callable_node),
            sent=tuple(self._sent(site, scope)), initializer=self._initializer(site, scope),
            start_method=m.start_method(site) or "", pool=site.pool, concurrent=site.concurrent,
            elsewhere=site.elsewhere, self_bound=_self_bound(m, site),
        )

    def _parameter_sends(self, qualname: str) -> tuple[ParameterSend, ...]:
        """The parameters of ``qualname`` that its process dispatches pickle (see ``ParameterSend``)."""
        m = self.model
        fn = m.functions[qualname]
        if fn.is_lambda:
            return ()
        params = [p.name.value for p in (*fn.node.params.posonly_params, *fn.node.params.params)]
        out = set()
        for site in m.dispatches:
            if site.caller != qualname or site.context != apis.PROCESS or apis.pickles_by_value(site.api):
                continue
            every_task = site.pool and site.role != "initializer"
            if (not every_task and m.start_method(site) == "fork") or m.never_started(site):
                continue
            node = site.callable_node
            sent = [node] if isinstance(node, cst.Name) else []
            for expr in site.payload:
                sent.extend(e.value for e in expr.elements) if isinstance(expr, (cst.Tuple, cst.List)) else sent.append(expr)
            for item in sent:
                if isinstance(item, cst.Name) and item.value in params and m.scopes.name_kind(item.value, m.scope_of(qualname)) != "global":
                    out.add(ParameterSend(params.index(item.value), item.value, site.line, every_task))
        return tuple(sorted(out, key=lambda p: (p.position, p.line)))

    def _target(self, site, scope) -> str:
        node = site.callable_node
        if site.target:
            # ``h.work`` with ``h = Holder()``: the instance marker says the bound method carries ``h``
            resolved = self.model.scopes.resolve(node, scope) if isinstance(node, cst.Attribute) else None
            if resolved and "()." in resolved and resolved.split("().", 1)[0] in self.model.scopes.classes:
                return self.qualify(resolved, site.caller)
            return self._local(site.target)
        if isinstance(node, cst.Call) and node.args:  # functools.partial(f, ...)
            node = node.args[0].value
        if node is None or isinstance(node, (cst.Lambda, cst.Call)):
            return ""
        return self.qualify(self.model.scopes.resolve(node, scope), site.caller)

    def _sent(self, site, scope):
        values = []
        for expr in site.payload:
            items = [e.value for e in expr.elements] if isinstance(expr, (cst.Tuple, cst.List)) else [expr]
            for item in items:
                value = self.model.value_at(item, scope)
                if value:
                    values.append(self.qualify(value, site.caller))
        return sorted(set(values))

    def _initializer(self, site, scope) -> str:
        """The initializer of the pool a map/submit goes through (``p = Pool(initializer=f)``)."""
        func = site.call.func
        if site.role not in ("map", "submit") or not isinstance(func, cst.Attribute):
            return ""
        receiver = func.value
        node = receiver
        if isinstance(receiver, cst.Name):
            for key in (*scope, "<module>"):
                found = self.model.values.get((key, receiver.value))
                if found is not None:
                    node = found[1]
                    break
        if isinstance(receiver, cst.Name) and site.caller:
            # a name bound to several pools in one function (``with Pool(..) as pool:`` twice): the
            # pool built last before the call is the one it uses
            built = [c for c in self.model.calls if c.caller == site.caller and c.line <= site.line
                     and (c.qualname or "") in apis.POOL_CONSTRUCTORS]
            if built:
                node = max(built, key=lambda c: (c.line, c.column)).node
        for other in self.model.dispatches:
            if other.role == "initializer" and other.call is node:
                return self._target(other, scope) or "<unknown>"
        return ""

    def _start_method(self) -> str:
        methods = {self.model.start_method(s) for s in self.model.dispatches if s.context == apis.PROCESS}
        for call in self.model.calls:
            if (call.qualname or "").endswith("set_start_method") and call.node.args:
                first = call.node.args[0].value
                if isinstance(first, cst.SimpleString):
                    methods.add(first.evaluated_value)
        methods.discard(None)
        return methods.pop() if len(methods) == 1 else ""

    # ---- classes ----------------------------------------------------------------------------
    def _class(self, qualname: str) -> ClassSummary:
        m = self.model
        info = m.classes[qualname]
        attributes, locks = [], set()
        methods = set(info.methods.values())
        init = m.function(info.methods.get("__init__"))
        for (owner, key), (value, node) in sorted(m.values.items(), key=lambda kv: kv[0]):
            if owner != qualname or not key.startswith("self."):
                continue
            name = key[len("self."):]
            kind, held = self._attribute(value, node, methods, init)
            if kind:
                attributes.append(Attribute(name, kind, held, m.position(node).start.line))
            if apis.lock_value(value):
                locks.add(name)
        for function, text, _line in m.lock_withs:
            fn = m.function(function)
            if fn is not None and fn.class_qualname == qualname and fn.self_name:
                head, _, attr = text.partition(".")
                if head == fn.self_name and attr and "." not in attr:
                    locks.add(attr)
        return ClassSummary(
            qualname=qualname, line=info.line,
            bases=tuple(self.qualify(b) for b in info.bases),
            methods=tuple(sorted(info.methods.items())), attributes=tuple(attributes),
            lock_attributes=tuple(sorted(locks)), thread_safe_doc=self.docstrings.get(qualname, ""),
        )

    def _attribute(self, value: str, node: cst.CSTNode, methods: set[str], init) -> tuple[str, str]:
        """(kind, what the summary says it holds) of a ``self`` attribute bound to ``value``; ("", "") for
        none of the kinds."""
        if value == "<lambda>":
            return LAMBDA_ATTR, value
        if any(f"{method}.<locals>.{value}" in self.model.functions for method in methods):
            return NESTED_ATTR, value
        if value.endswith("()") and value[:-2] in apis.THREAD_PRIMITIVES:
            return PRIMITIVE_ATTR, value
        made = self._unpicklable_value(value[:-2]) if value.endswith("()") else ""
        # Only as made in ``__init__``: one made later (``_get_connection``, in the child) comes after the
        # instance was sent.
        if made and init is not None and init.line <= self.model.position(node).start.line <= init.end_line:
            return UNPICKLABLE_ATTR, made
        return "", ""

    def _unpicklable_value(self, made_by: str) -> str:
        """The call of ``apis.UNPICKLABLE_OBJECTS`` that made the value (``boto3.client()``): ``made_by``
        itself, or what a function of this module returns (``self.conn = get_conn()``); "" for neither."""
        if made_by in apis.UNPICKLABLE_OBJECTS:
            return made_by + "()"
        fn = self.model.function(made_by)
        if fn is None or fn.is_method or fn.parent is not None or not isinstance(fn.node, cst.FunctionDef):
            return ""
        scope = self.model.scope_of(fn.qualname)
        for node in own_nodes(fn.node):
            value = self.model.value_at(node.value, scope) if isinstance(node, cst.Return) and node.value else None
            if value and value.removesuffix("()") in apis.UNPICKLABLE_OBJECTS:
                return value
        return ""


def _self_bound(model, site) -> bool:
    """``target=self.method`` in a method: the bound method pickles with its instance."""
    node, caller = site.callable_node, model.function(site.caller)
    if not (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and caller is not None
            and caller.self_name == node.value.value):
        return False
    target = model.function(site.target)
    return target is not None and not {"staticmethod", "classmethod"} & set(target.decorators)


def _partial_with_arguments(node) -> bool:
    """``functools.partial(f, x)``: the bound arguments travel with the callable."""
    if not isinstance(node, cst.Call) or len(node.args) < 2:
        return False
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
    return name == "partial"
