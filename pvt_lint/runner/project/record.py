"""The record a project's run leaves in the cache, and the later runs it answers.

A run with a cache ends by storing, beside the entries, one record per project: every file with its
content hash; for every file, a digest of what its first analysis gave the stage (its summary and
imports: its "shape"); the asked files that were judged again with the project's facts (and the facts'
fingerprint), those whose first judgement was final, the modules forced for their summaries; and the asked
files' final results. A later run of the same files answers from it in one of three ways:

- ``answer``, before any analysis: every file has the recorded hash, so the asked files' results are the
  recorded ones (one read of the record, no entry);
- ``reuse``, after the first round: the same, for a record without results, through the cached entries;
- ``reuse`` too when files were edited but each edited one has its recorded shape, was not forced, and
  (if asked) had a final first judgement: the project's facts are the last run's (``_same_facts``).

Anything else, or anything malformed, and the rounds run as usual.

The record also keeps each file's ``os.stat`` (modification time in nanoseconds, size, inode) when the
file was last changed well before the run began (``_RACY_NS``): a later run that finds the same stat takes
the recorded hash without reading the file, as git's index and ruff's cache do. A file changed less than
that before or during the run gets no stat, so the next run reads it (its change could fall in the same
clock tick as a later one).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Callable, Optional

from ...config import Config
from ...findings import FileResult
from ..cache import content_hash, findings_from_json, findings_to_json
from ..reading import read


# A file modified less than this before the run began is read again next time, whatever its stat says.
_RACY_NS = 2_000_000_000


def _stat(path: str) -> Optional[list[int]]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def _stats(project, now: Optional[list] = None) -> list[Optional[list[int]]]:
    """Each file's stat (``now``, when taken before its hash), or None for one changed too recently to
    trust its stat later."""
    stats = now if now is not None else [_stat(path) for path in project.paths]
    return [st if st is not None and st[0] < project.started_ns - _RACY_NS else None for st in stats]


def _unchanged(found: dict, project, now: list) -> list[bool]:
    """Per job: does the file have (``now``) the stat the record keeps beside its hash, so the hash is
    still its?"""
    stats, files = found.get("stats"), found.get("files")
    if not (isinstance(stats, list) and isinstance(files, list) and len(stats) == len(files) == len(project.jobs)):
        return [False] * len(project.jobs)
    return [isinstance(st, list) and isinstance(item, list) and len(item) == 2 and item[0] == job.path
            and type(item[1]) is str and current == st
            for job, st, item, current in zip(project.jobs, stats, files, now)]


def files_of(project) -> Optional[list[list[str]]]:
    digests = [job.digest for job in project.jobs]
    return [[path, digest] for path, digest in zip(project.paths, digests)] if all(digests) else None


def _last(project, cache) -> Optional[dict]:
    """The project's record as the last run left it, read once per run (``answer`` and ``reuse`` both ask)."""
    if not project.record_read:
        project.record_read, project.last_record = True, cache.get_record(project.record_name)
    return project.last_record


def answer(project, cache, config: Config, analyse: Optional[Callable] = None) -> bool:
    """Before the first round: read and hash every file whose stat is not the recorded one (the jobs keep
    what they read, so a first round after a miss reads nothing twice) and, when all are as recorded, take
    the asked files' results. With
    ``analyse`` (the first round's ``analyse_files`` for a list of jobs), files edited since the record are
    analysed alone first: when each gives the stage what it gave before (``_same_facts``), the others'
    entries are never read, and the edited asked files' first results are their final ones."""
    found = _last(project, cache)
    if found is None or not isinstance(found.get("results"), list) or len(found["results"]) != project.asked:
        return False
    now = [_stat(job.path) for job in project.jobs]  # before any read: a later change shows in the next stat
    for job, unchanged, item in zip(project.jobs, _unchanged(found, project, now), found.get("files") or ()):
        if unchanged:
            job.digest = item[1]
            continue
        data = read(job.path, config)
        if isinstance(data, FileResult):
            return False
        job.data, job.digest = data, content_hash(data)
    files = files_of(project)
    if not _run_lists(found) or not isinstance(found.get("files"), list) or len(found["files"]) != len(files):
        return False
    if not all(0 <= index < project.asked and project.modules[index] is not None for index, _ in found["judged"]):
        return False
    edited = [index for index, (before, now) in enumerate(zip(found["files"], files)) if before != now]
    if edited and analyse is None:
        return False
    fresh = dict(zip(edited, analyse([project.jobs[index] for index in edited]))) if edited else {}
    if edited and not _same_facts(project, found, files, set(found["forced"]), fresh):
        return False  # the first round reads the files again: their entries are cached now
    results = []
    for path, item in zip(project.paths, found["results"]):
        findings = findings_from_json(item.get("findings"), path) if isinstance(item, dict) else None
        skipped = item.get("skipped") if isinstance(item, dict) else None
        if findings is None or not (skipped is None or isinstance(skipped, str)):
            return False
        results.append(FileResult(path, findings, skipped))
    for index, result in fresh.items():
        if index < project.asked:  # an edited asked file: its first judgement is final
            results[index] = FileResult(result.path, result.findings, result.skipped)
    for job in project.jobs:
        job.data = None
    project.results = project.first = results
    if edited:  # the next run compares with these files and results
        cache.put_record(project.record_name, {**found, "files": files, "stats": _stats(project, now),
                                               "results": _results(project)})
    project.run.judged.extend(project.modules[index] for index, _ in found["judged"])
    project.run.forced.extend(found["forced"])
    project.run.reused = True
    return True


def _run_lists(found: dict) -> bool:
    judged, forced = found.get("judged"), found.get("forced")
    return (isinstance(judged, list) and isinstance(forced, list) and all(type(m) is str for m in forced)
            and all(isinstance(item, list) and len(item) == 2 and type(item[0]) is int and type(item[1]) is str
                    for item in judged))


def reuse(project, cache) -> bool:
    """Take the asked files' judged results from the last run's record, when every file of the project
    is the same (or edited without changing the facts); False (and nothing changed) otherwise."""
    files = files_of(project)
    found = _last(project, cache) if cache is not None and files is not None else None
    if found is None or not _run_lists(found):
        return False
    judged, forced = found["judged"], found["forced"]
    edited = found.get("files") != files
    if edited and not _same_facts(project, found, files, set(forced), dict(enumerate(project.first))):
        return False
    entries = {}
    for index, key in judged:
        if not (0 <= index < project.asked and project.modules[index] is not None):
            return False
        entry = cache.get_entry(project.paths[index], project.jobs[index].digest, project.modules[index], key)
        if entry is None:
            return False
        entries[index] = entry
    for index, entry in sorted(entries.items()):
        plain = project.results[index]
        project.results[index] = FileResult(plain.path, entry["findings"], entry["skipped"], summary=plain.summary,
                                            imports=plain.imports, summary_text=plain.summary_text)
        project.run.judged.append(project.modules[index])
    project.run.forced.extend(forced)
    project.run.reused = True
    if edited:  # the next run compares with these files and results
        cache.put_record(project.record_name, {**found, "files": files, "stats": _stats(project),
                                               "results": _results(project)})
    return True


def _same_facts(project, found: dict, files: list[list[str]], forced: set[str], first: dict) -> bool:
    """Files were edited, but every edited one gave the stage what it gave last time (the same summary
    and imports), so the project's facts are last run's; and every edited asked file's first judgement
    was final last time (its facts were exactly its own), so it is final again. An edited module the
    last run forced needs its forced summary: no. ``first``: the first-round result of (at least) every
    edited file, by index."""
    old, shapes, final = found.get("files"), found.get("shapes"), found.get("final")
    if not (isinstance(old, list) and isinstance(shapes, list) and isinstance(final, list)
            and len(old) == len(files) == len(shapes) == len(project.jobs)
            and all(type(index) is int for index in final)):
        return False
    final = set(final)
    for index, (before, now) in enumerate(zip(old, files)):
        if before == now:
            continue
        result = first.get(index)
        if (result is None or not isinstance(before, list) or before[:1] != now[:1]
                or shapes[index] != shape(result) or project.modules[index] in forced
                or (index < project.asked and index not in final) or result.failure is not None):
            return False
    return True


def save(project, cache) -> None:
    files = files_of(project)
    if cache is None or files is None or project.run.error or project.run.reused:
        return
    if any(result.failure is not None for result in project.results):
        return  # the run failed on a file (never cached): the next run must not skip its rounds
    cache.put_record(project.record_name, {
        "files": files, "stats": _stats(project),
        "judged": [[i, k] for i, k in project.judged_keys], "forced": list(project.run.forced),
        "shapes": [shape(result) for result in project.first], "final": sorted(project.final),
        "results": _results(project),
    })


def _results(project) -> list[dict]:
    return [{"findings": findings_to_json(r.findings), "skipped": r.skipped} for r in project.results[: project.asked]]


def shape(result: FileResult) -> str:
    """A digest of what a file's first analysis gives the project stage: its summary and its imports."""
    summary = result.summary.to_json() if result.summary is not None else result.summary_text
    return hashlib.sha256(json.dumps([summary, result.imports]).encode("utf-8", "surrogatepass")).hexdigest()
