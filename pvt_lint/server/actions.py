"""Code actions on a finding: its rule's fix, a ``# noqa`` comment, the rule's page and its reproduction;
and one source action that applies every safe fix of the file.

The edits are the CLI's: a fix's ``Edit``s as the rule made them (``--fix``), the comment as
``suppress.with_noqa`` writes it (``--add-noqa``), all the safe fixes together as ``rewrite.apply_edits``
applies them. Each action edits the document version its findings came from, so a client never applies
one to text that has changed since.
"""

from __future__ import annotations

from typing import Optional, Sequence

from lsprotocol import types

from ..docs import doc_for, repro_code
from ..findings import SAFE, Finding
from ..runner.add_noqa import NOT_SUPPRESSED
from ..runner.rewrite import apply_edits
from ..suppress import with_noqa
from .convert import Analysed, diagnostic, edit_range, position

EXPLAIN_COMMAND = "pvt-lint.explain"
REPRO_COMMAND = "pvt-lint.repro"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.pvt-lint"


def code_actions(doc: Analysed, findings: Sequence[Finding], codec, only: Optional[Sequence[str]],
                 versioned: bool = True) -> list[types.CodeAction]:
    """The actions for ``findings`` (those at the requested range), and the file-wide fix-all. ``versioned``:
    the client takes edits tied to a document version (``documentChanges``)."""
    out: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix.value, only):
        for finding in findings:
            out.extend(_for_finding(doc, finding, codec, versioned))
    if _wanted(FIX_ALL_KIND, only):
        fix_all = _fix_all(doc, codec, versioned)
        if fix_all is not None:
            out.append(fix_all)
    return out


def _wanted(kind: str, only: Optional[Sequence[str]]) -> bool:
    # A client asking for "source.fixAll" wants "source.fixAll.pvt-lint" too: kinds are dotted hierarchies.
    return not only or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


def _for_finding(doc: Analysed, finding: Finding, codec, versioned: bool) -> list[types.CodeAction]:
    diag = [diagnostic(finding, doc, codec)]
    out = []
    if finding.fix is not None:
        safe = finding.fix.safety == SAFE
        note = "" if safe else " (unsafe fix: it changes behaviour beyond the bug; review it)"
        edits = [types.TextEdit(range=edit_range(e, doc.lines, codec), new_text=e.content) for e in finding.fix.edits]
        out.append(types.CodeAction(title=f"{finding.code}: {finding.fix.message}{note}", kind=types.CodeActionKind.QuickFix,
                                    diagnostics=diag, is_preferred=safe, edit=_workspace_edit(doc, edits, versioned)))
    if finding.code not in NOT_SUPPRESSED:
        edit = _noqa_edit(doc, finding, codec)
        if edit is not None:
            out.append(types.CodeAction(title=f"{finding.code}: suppress with `# noqa: {finding.code}`",
                                        kind=types.CodeActionKind.QuickFix, diagnostics=diag,
                                        edit=_workspace_edit(doc, [edit], versioned)))
    rule = doc_for(finding.code)
    if rule is not None:
        out.append(types.CodeAction(
            title=f"{finding.code}: explain {rule.name} (open the rule's page)", kind=types.CodeActionKind.QuickFix,
            diagnostics=diag, command=types.Command(title=f"Explain {finding.code}", command=EXPLAIN_COMMAND,
                                                    arguments=[finding.code])))
    if repro_code(finding.code) is not None:
        out.append(types.CodeAction(
            title=f"{finding.code}: run the reproduction (`pvt-lint --repro {finding.code}`)",
            kind=types.CodeActionKind.QuickFix, diagnostics=diag,
            command=types.Command(title=f"Reproduce {finding.code}", command=REPRO_COMMAND, arguments=[finding.code])))
    return out


def _noqa_edit(doc: Analysed, finding: Finding, codec) -> Optional[types.TextEdit]:
    """The finding's line as ``with_noqa`` rewrites it; None when the line cannot hold the comment or
    already suppresses the code."""
    new_text, changed, _refused = with_noqa(doc.text, {finding.line: {finding.code}})
    if not changed:
        return None
    old_line, new_line = doc.lines[finding.line - 1], new_text.split("\n")[finding.line - 1]
    old_line, new_line = old_line.removesuffix("\r"), new_line.removesuffix("\r")
    return types.TextEdit(range=types.Range(start=types.Position(line=finding.line - 1, character=0),
                                            end=position(doc.lines, codec, finding.line, len(old_line))),
                          new_text=new_line)


def _fix_all(doc: Analysed, codec, versioned: bool) -> Optional[types.CodeAction]:
    groups = [f.fix.edits for f in doc.findings if f.fix is not None and f.fix.safety == SAFE]
    if not groups:
        return None
    fixed, count = apply_edits(doc.text, groups)
    if not count or fixed == doc.text:
        return None
    lines = doc.lines
    whole = types.Range(start=types.Position(line=0, character=0), end=position(lines, codec, len(lines), len(lines[-1])))
    return types.CodeAction(title=f"pvt-lint: apply the {count} safe fix{'es' if count != 1 else ''} of this file",
                            kind=FIX_ALL_KIND, edit=_workspace_edit(doc, [types.TextEdit(range=whole, new_text=fixed)], versioned))


def _workspace_edit(doc: Analysed, edits: list[types.TextEdit], versioned: bool) -> types.WorkspaceEdit:
    if not versioned:
        return types.WorkspaceEdit(changes={doc.uri: edits})
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version),
        edits=edits)])
