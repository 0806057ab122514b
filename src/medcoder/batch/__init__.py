"""Batch coding: ``run_batch(INPUT, OUTPUT)`` codes a folder, JSONL or Parquet of encounters.

    run_batch(input, output, *, workers=1, kb=None, chunk=64, progress=None, setting=None,
              mode="billing", engine="local", ray_address=None) -> BatchSummary

``medcoder batch`` is a thin layer over it. Inputs are described in ``batch.inputs``, outputs,
the errors file and the resume state in ``batch.outputs``, the local engine (in process or a
pool of worker processes, the coder loaded once per worker) in ``batch.local``.

The job is resumable: rows are written a chunk at a time (``chunk`` encounters) and fsynced;
a rerun into the same OUTPUT skips every row already in OUTPUT or in ``OUTPUT.errors.jsonl``
and goes on, so a crash loses at most the chunks in flight. Rows come out in input order
whatever the number of workers. Bad rows never stop the job: they are listed in the errors
file and counted in the summary. An unusable input or output (missing, of an unknown kind,
an OUTPUT written by another job) raises ``InputError`` before anything is written.

``engine="ray"`` runs the same job on a Ray cluster with Ray Data (``batch.ray_engine``,
``pip install 'medcoder[ray]'``): ``workers`` actors, each with its own coder; the job is
planned and written here exactly as for the local engine, so the output is byte-identical.
``ray_address`` (else ``$MEDCODER_RAY_ADDRESS``) names the cluster; by default a local Ray
instance is started for the job.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medcoder.errors import InputError

__all__ = ["ENGINES", "BatchSummary", "run_batch"]

ENGINES = ("local", "ray")

ProgressFn = Callable[[int, int], None]
"""Called as ``progress(completed, total)`` (rows skipped, coded or failed so far)."""


@dataclass
class BatchSummary:
    """What a batch run did: ``total`` rows in the input, ``done`` coded in this run,
    ``skipped`` already done by an earlier run, ``errors`` bad rows found in this run."""

    input: str
    output: str
    errors_file: str
    total: int
    done: int
    skipped: int
    errors: int
    seconds: float
    workers: int
    engine: str = "local"

    @property
    def rate(self) -> float:
        """Rows coded or failed per second in this run."""
        n = self.done + self.errors
        return n / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "output": self.output,
            "errors_file": self.errors_file,
            "engine": self.engine,
            "workers": self.workers,
            "total": self.total,
            "done": self.done,
            "skipped": self.skipped,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "rate": round(self.rate, 2),
        }


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}; expected one of: {', '.join(ENGINES)}",
                         where="--engine")
    if engine == "ray":
        from medcoder.batch.ray_engine import require_ray

        require_ray()


def run_batch(
    input: Path | str,
    output: Path | str,
    *,
    workers: int = 1,
    kb: Any = None,
    chunk: int = 64,
    progress: ProgressFn | None = None,
    setting: str | None = None,
    mode: str = "billing",
    engine: str = "local",
    ray_address: str | None = None,
) -> BatchSummary:
    """Code every encounter of ``input`` into ``output`` (see the module docstring).

    ``kb`` is the knowledge base (default: the process-wide one over the data dir; workers open
    the same data dir). ``setting`` replaces each encounter's setting, as ``medcoder code
    --setting`` does; ``mode`` is ``billing`` or ``mentions``. ``ray_address``: the Ray
    cluster for ``engine="ray"`` (see the module docstring).
    """
    from medcoder.batch import local
    from medcoder.batch.inputs import Task, open_input
    from medcoder.batch.outputs import (
        ErrorsLog,
        errors_path,
        open_sink,
        read_state,
        write_state,
    )
    from medcoder.coding import MODES
    from medcoder.readers import base

    _check_engine(engine)
    if workers < 1:
        raise InputError(f"workers must be 1 or more, not {workers}", where="--workers")
    if chunk < 1:
        raise InputError(f"chunk must be 1 or more, not {chunk}", where="--chunk")
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; expected one of: {', '.join(MODES)}")
    if setting is not None:
        setting = base.setting_value(setting, "setting", "--setting")
    src = open_input(input)
    out = Path(output)
    if out.resolve() == src.path.resolve():
        raise InputError("the output is the input; choose another output", where=out)
    if out.is_dir():
        raise InputError("the output is a folder; give a .jsonl or .parquet file", where=out)
    sink = open_sink(out)
    errs = ErrorsLog(errors_path(out))
    job = {"input": str(src.path.resolve()), "mode": mode, "setting": setting}
    state = read_state(out)
    if state is not None and {k: state.get(k) for k in job} != job:
        raise InputError(
            f"{out.name} was written by another job (input {state.get('input')}, mode "
            f"{state.get('mode')}, setting {state.get('setting')}); remove it and its "
            ".state.json and .errors.jsonl, or choose another output",
            where=out,
        )
    if state is None and (out.exists() or errs.path.exists()):
        raise InputError(
            f"{out.name} exists and was not written by medcoder batch (no {out.name}.state.json);"
            " remove it or choose another output",
            where=out,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_state(out, {**job, "finished": False})
    done_keys = sink.recover() | errs.recover()
    total = src.count()
    started = time.monotonic()
    counts = {"done": 0, "skipped": 0, "errors": 0}
    if kb is None:
        from medcoder.codesets.kb import default_kb

        kb = default_kb()
    kb_root = str(kb.store.root) if getattr(kb, "store", None) is not None else None
    if workers > 1 or engine == "ray":
        # build the bundled tabular and the coder's cached dictionary once here, so the workers
        # load them instead of all building them into the same data dir at once
        import datetime as _dt

        from medcoder.coders.diagnosis.engine import coder_for
        from medcoder.errors import MedcoderError

        with contextlib.suppress(MedcoderError):
            coder_for(kb, _dt.date.today())

    tasks: Iterable[Task] = src
    if engine == "ray":
        from medcoder.batch import ray_engine

        tasks = ray_engine.plan_tasks(src)  # a Parquet input is planned from its ids

    def chunks() -> Iterator[list[Task]]:
        seen: set[str] = set()
        buf: list[Task] = []
        for task in tasks:
            key = task.key
            if key in done_keys:
                counts["skipped"] += 1
                if task.id is not None:
                    seen.add(task.id)
                continue
            if task.id is not None:
                if task.id in seen and task.error is None:
                    from medcoder.batch.inputs import error_record

                    task.error = error_record(
                        task.id, task.file, task.line, InputError.code,
                        f"duplicate id {task.id!r}; an earlier row has it", task.file,
                    )
                seen.add(task.id)
            buf.append(task)
            if len(buf) >= chunk:
                yield buf
                buf = []
        if buf:
            yield buf

    def write(outcomes: list[local.Outcome]) -> None:
        rows = [o for kind, o in outcomes if kind == "ok"]
        bad = [o for kind, o in outcomes if kind == "error"]
        sink.append(rows)
        errs.append(bad)
        counts["done"] += len(rows)
        counts["errors"] += len(bad)
        write_state(out, {**job, "finished": False, **counts})
        if progress is not None:
            progress(counts["done"] + counts["errors"] + counts["skipped"], total)

    if progress is not None:
        progress(0, total)
    if engine == "ray":
        ray_engine.run_ray(chunks(), write, src=src, kb_root=kb_root, workers=workers, mode=mode,
                           setting=setting, chunk=chunk, address=ray_address)
    else:
        local.run_local(chunks(), write, kb=kb, kb_root=kb_root, workers=workers, mode=mode,
                        setting=setting)
    sink.finish()
    write_state(out, {**job, "finished": True, **counts, "total": total})
    if progress is not None:
        progress(total, total)
    return BatchSummary(
        input=str(src.path), output=str(out), errors_file=str(errs.path), total=total,
        done=counts["done"], skipped=counts["skipped"], errors=counts["errors"],
        seconds=time.monotonic() - started, workers=workers, engine=engine,
    )
