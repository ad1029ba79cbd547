"""What the project stage says about values sent to child processes from one module: instances of
project classes that cannot be pickled (PVT102 / PVT104) and calls handing a value to a project
function that pickles it for a child (PVT102 through a helper). Functions of the stage (``stage._Stage``)."""

from __future__ import annotations

from ... import apis
from ...model.project_facts import HelperSend, UnfitSend
from ...model.summary import ModuleSummary


def unfit_sends(stage, summary: ModuleSummary) -> tuple[UnfitSend, ...]:
    out = []
    for d in summary.dispatches:
        if d.context != apis.PROCESS:
            continue
        candidates = [(value, "argument") for value in d.sent if value.endswith("()")]
        if "()." in d.target:
            candidates.append((d.target.split("().", 1)[0] + "()", "bound-method target"))
        elif d.role == "run" and d.target.endswith(".run"):  # a Process subclass, started here or elsewhere
            candidates.append((d.target[: -len(".run")] + "()", "started process"))
        elif d.self_bound:  # ``target=self.method``: the instance travels with it
            candidates.append((d.target.rpartition(".")[0] + "()", "bound-method target"))
        for value, how in candidates:
            cls = stage.r.class_of(value[:-2], summary.module)
            for owner, attribute in stage.r.class_attributes(cls) if cls else ():
                if how == "started process" and not _made_in_init(stage, owner, attribute.line):
                    continue  # made in ``run`` or later: the child makes it, nothing pickles it
                out.append(UnfitSend(d.line, how, cls, attribute.name, attribute.kind,
                                     owner.partition(":")[0], attribute.line, attribute.value))
    return tuple(sorted(set(out), key=lambda u: (u.line, u.cls, u.attribute)))


def _made_in_init(stage, cls_key: str, line: int) -> bool:
    """Is the attribute set at ``line`` made by the class body or ``__init__`` (so it exists when the
    object is pickled at ``start()``)? The method it is in is the last one starting before it."""
    module = cls_key.partition(":")[0]
    cls = stage.r.classes[cls_key]
    starts = [(fn.line, name) for name, qualname in cls.methods
              if (fn := stage.r.functions.get(f"{module}:{qualname}")) is not None and fn.line <= line]
    return not starts or max(starts)[1] == "__init__"


def helper_sends(stage, summary: ModuleSummary) -> tuple[HelperSend, ...]:
    """Calls to project functions that pickle one of their parameters for a child process; not when
    only spawn would pickle it and the helper's program uses fork."""
    out = []
    for fn in summary.functions:
        for call in fn.calls:
            callee = stage.r.function_of(call.target, summary.module)
            found = stage.r.functions.get(callee) if callee else None
            if found is None or not found.sends:
                continue
            module = callee.partition(":")[0]
            # the dispatch's own start method is already judged in the summary; here the program's
            method = stage.inherited_method(module, found.qualname)
            for send in found.sends:
                if send.every_task or method != "fork":
                    out.append(HelperSend(call.line, call.column, callee, send.position, send.name,
                                          found.class_qualname,
                                          send.every_task, module, send.line))
    return tuple(sorted(set(out), key=lambda h: (h.line, h.column, h.position)))
