"""The per-file stage: each file read, then found fresh in the cache or analysed (serially, or on worker
processes). A job carries engine.analyse's project keywords (``module``, ``is_package``, ``force``,
``facts``); the cache keys what it stores on them (see cache.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .. import engine
from ..config import Config
from ..findings import FileResult
from .guarded import analyse_guarded
from .reading import read

# Below this many files to analyse, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 16


@dataclass
class Job:
    path: str
    options: dict = field(default_factory=dict)  # engine.analyse keywords
    facts_key: str = ""  # the facts' fingerprint when ``options`` carries facts
    aside: Optional[str] = None  # out: a cached summary (JSON) made with ``force``, for a later round
    digest: str = ""  # out: the content hash of the file as read, when the run has a cache
    data: Optional[bytes] = None  # the file's bytes, when read before (the project's record was checked)


def analyse_files(jobs_in: list[Job], config: Config, jobs: int, cache, advance) -> list[FileResult]:
    """One result per job, in order."""
    results: list[Optional[FileResult]] = [None] * len(jobs_in)
    digests: dict[int, str] = {}
    tasks: list[tuple[int, str, bytes, dict]] = []
    for index, job in enumerate(jobs_in):
        data = job.data if job.data is not None else read(job.path, config)
        job.data = None
        if isinstance(data, FileResult):
            results[index] = data
            advance(1)
            continue
        if cache is not None:
            from .cache import content_hash

            digest = job.digest = content_hash(data)
            hit = _from_cache(cache, job, digest)
            if hit is not None:
                results[index] = hit
                advance(1)
                continue
            digests[index] = digest
        tasks.append((index, job.path, data, job.options))

    def store(index: int, result: FileResult) -> None:
        results[index] = result
        # A failure says more about this run than about the file: never cached.
        if index in digests and result.failure is None:
            job = jobs_in[index]
            summary = result.summary.to_json() if result.summary is not None else None
            cache.put(
                result.path, digests[index], result.findings, result.skipped, module=job.options.get("module"),
                facts=job.facts_key, imports=result.imports, summary=summary, gated=not job.options.get("force"),
            )
        advance(1)

    if jobs > 1 and len(tasks) >= PARALLEL_MIN_FILES:
        from . import workers

        engine.preload()  # once here, shared by every forked worker
        workers.run(tasks, config, jobs, store)
    else:
        for index, path, data, options in tasks:
            store(index, analyse_guarded(data, path, config, **options))
    return results  # type: ignore[return-value]


def _from_cache(cache, job: Job, digest: str) -> Optional[FileResult]:
    entry = cache.get_entry(job.path, digest, job.options.get("module"), job.facts_key)
    if entry is None:
        return None
    summary = text = None
    if entry["summary"] is not None:
        forced = job.options.get("force", False)
        if forced:
            summary = _summary(entry["summary"])
            if summary is None:
                return None
        elif entry["gated"]:
            # Decoded by the project stage when it needs it: a run whose stage record holds needs none.
            text = entry["summary"]
        else:
            # Made with ``force`` in an earlier run: kept aside, so that this run uses it only in the
            # round that needs it, as a cold run would.
            job.aside = entry["summary"]
    elif job.options.get("force") and job.options.get("module") is not None and entry["gated"]:
        return None  # forced now, never forced before: analyse for the summary
    return FileResult(job.path, entry["findings"], entry["skipped"], summary=summary, imports=entry["imports"],
                      summary_text=text)


def _summary(text: str):
    from ..model.summary import ModuleSummary

    try:
        return ModuleSummary.from_json(text)
    except (ValueError, TypeError, KeyError, IndexError):
        return None
