"""The local batch engine: code tasks in this process or in a pool of worker processes.

``workers=1`` codes in process with the caller's knowledge base. ``workers>1`` starts a
``concurrent.futures.ProcessPoolExecutor`` in the ``spawn`` context (no state forked from the
parent); each worker's initializer opens the knowledge base over the same data dir and builds
the coder once (``coders.diagnosis.engine.coder_for`` caches it per knowledge base and tabular
release), then receives chunks of tasks. The parent keeps a few chunks in flight per worker
and writes the results back in input order, so the output does not depend on ``workers``.

A row that fails (its file cannot be read, a field is wrong, the coder raises a
``MedcoderError``) becomes an error record and the job goes on; any other exception (a bug)
is recorded with its type only, as its message could quote the note.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from medcoder.batch.inputs import Task, error_record
from medcoder.errors import InputError, MedcoderError

__all__ = ["Outcome", "code_chunk", "code_task", "run_local"]

Outcome = tuple[str, dict[str, Any]]
"""``("ok", result row)`` or ``("error", error record)``."""

_worker: dict[str, Any] = {}


def _open_kb(kb_root: str | None) -> Any:
    from medcoder.codesets.kb import KnowledgeBase, default_kb
    from medcoder.codesets.store import DataStore

    return KnowledgeBase(DataStore(Path(kb_root))) if kb_root else default_kb()


def _init_worker(kb_root: str | None, mode: str, setting: str | None) -> None:
    """Worker initializer: the knowledge base and the coder, once per worker process."""
    from medcoder.coders.diagnosis.engine import coder_for

    kb = _open_kb(kb_root)
    _worker.update(kb=kb, mode=mode, setting=setting)
    # nothing in force today: each note then reports it for its own date
    with contextlib.suppress(MedcoderError):
        coder_for(kb, _dt.date.today())


def _chunk_in_worker(tasks: list[Task]) -> list[Outcome]:
    return code_chunk(tasks, _worker["kb"], mode=_worker["mode"], setting=_worker["setting"])


def _encounter(task: Task, setting: str | None) -> Any:
    """The ``Encounter`` of a task: a document read from its file, or text and fields given."""
    from medcoder.encounter import Encounter
    from medcoder.readers import base, read_document
    from medcoder.text.sections import find_sections

    if task.kind == "path":
        try:
            enc = read_document(task.path or task.file, setting=setting)
        except OSError as e:
            raise InputError(f"cannot read the file ({e.strerror or type(e).__name__})",
                             where=task.file) from None
        return enc
    where = f"{task.file}:{task.line}"
    f = task.fields
    ctx = base.ReadContext(name=where)
    text = f["text"]
    ctx.check_note(text)
    given = setting if setting is not None else f.get("setting")
    return Encounter(
        text=text,
        setting=base.setting_value(given, "setting", where) if given is not None else "outpatient",
        date_of_service=(base.date_value(f["date_of_service"], "date_of_service", where)
                         if f.get("date_of_service") is not None else None),
        patient_age=base.age_value(f["age"], "age", where) if f.get("age") is not None else None,
        patient_sex=base.sex_value(f["sex"], "sex", where) if f.get("sex") is not None else "U",
        encounter_id=task.id,
        sections=find_sections(text),
        source_format="text",
        source_name=where,
        metadata=dict(task.metadata),
    )


def code_task(task: Task, kb: Any, *, mode: str = "billing", setting: str | None = None) -> Outcome:
    """Code one task; a bad row comes back as an error record, never as an exception."""
    from medcoder.coding import code_encounter

    if task.error is not None:
        return ("error", task.error)
    try:
        enc = _encounter(task, setting)
        result = code_encounter(enc, mode=mode, kb=kb)
    except MedcoderError as e:
        return ("error", error_record(task.id, task.file, task.line, e.code, e.message, e.where))
    except Exception as e:  # a bug: its message may quote the note, so only the type is kept
        msg = (f"internal error {type(e).__name__} while coding this row (a medcoder bug; "
               "rerun it with `medcoder code` and MEDCODER_DEBUG=1 to see it)")
        return ("error", error_record(task.id, task.file, task.line, "MC000", msg))
    meta = dict(enc.metadata) if task.kind == "path" else dict(task.metadata)
    return ("ok", {"id": task.id, "metadata": meta, **result.to_dict()})


def code_chunk(
    tasks: list[Task], kb: Any, *, mode: str = "billing", setting: str | None = None
) -> list[Outcome]:
    return [code_task(t, kb, mode=mode, setting=setting) for t in tasks]


def run_local(
    chunks: Iterable[list[Task]],
    write: Callable[[list[Outcome]], None],
    *,
    kb: Any,
    kb_root: str | None,
    workers: int = 1,
    mode: str = "billing",
    setting: str | None = None,
) -> None:
    """Code every chunk and hand each chunk's outcomes to ``write``, in input order."""
    if workers <= 1:
        for chunk in chunks:
            write(code_chunk(chunk, kb, mode=mode, setting=setting))
        return
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    ahead = 2 * workers
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(kb_root, mode, setting)) as pool:
        pending: deque[Future[list[Outcome]]] = deque()
        it: Iterator[list[Task]] = iter(chunks)
        try:
            for chunk in it:
                pending.append(pool.submit(_chunk_in_worker, chunk))
                if len(pending) >= ahead:
                    write(pending.popleft().result())
            while pending:
                write(pending.popleft().result())
        finally:
            for fut in pending:
                fut.cancel()
