"""The Ray engine: the same batch job on a Ray cluster, with Ray Data (``--engine ray``).

``run_batch`` plans the job in the driver exactly as for the local engine (the tasks of
``batch.inputs`` in input order, rows already in OUTPUT or its errors file skipped, duplicate
ids marked), then ``run_ray`` codes the planned rows with Ray Data and hands the outcomes back
to the same writer (``batch.outputs``) a chunk at a time, in input order. The output is
therefore byte-identical to ``--engine local`` on the same input, and resuming works the same.

- **Parquet** input is read by Ray Data on the cluster, not by the driver: a Ray Data
  datasource (``_NumberedParquet``) with one read task per row group, which streams the rows in
  record batches with their 1-based row number added. ``ray.data.read_parquet`` is not used
  because it gives no row numbers, and the output needs them (``source`` is ``FILE:ROW``, the
  errors file has the row, an id-less row is resumed by it); Ray Data does not promise row order
  across two datasets either (``Dataset.zip`` is deprecated for that reason). The driver reads
  only the id columns, to plan; the text is read where it is coded.
- A **folder** or **JSONL** input is planned and read in the driver (``batch.inputs``) and the
  tasks are given to Ray with ``ray.data.from_items``: a folder's tasks are file paths (the
  files are read on the cluster), a JSONL's carry the note text, so the driver holds the whole
  JSONL in memory; convert a very large JSONL to Parquet first.

Coding runs in an actor pool (``map_batches`` over ``_CodeActor``, ``workers`` actors of one
CPU each): each actor opens the knowledge base over the same data dir and builds the coder once,
then codes batches of ``chunk`` rows with ``batch.local.code_chunk``. Each outcome comes back
with its row number; the driver puts them back in input order before writing.

Connecting: ``address`` (``--ray-address``), else ``$MEDCODER_RAY_ADDRESS``, else a local Ray
instance with ``num_cpus=workers`` is started for the job and shut down after it. A Ray already
initialised in this process is used as it is. Ray runs offline: no dashboard, no usage stats
(``RAY_USAGE_STATS_ENABLED=0`` unless set), worker logs not copied to the driver, no progress
bars. On a cluster, medcoder must be installed on every node and the data dir (and a folder or
Parquet input) visible at the same path on every node (``docs/batch.md``).
"""

from __future__ import annotations

import functools
import os
import pickle
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from medcoder.batch.inputs import ID_FIELDS, BatchInput, ParquetInput, Task, _row_task
from medcoder.batch.local import Outcome
from medcoder.errors import InputError

__all__ = ["ADDRESS_ENV", "plan_tasks", "require_ray", "run_ray"]

ADDRESS_ENV = "MEDCODER_RAY_ADDRESS"
ROW = "__medcoder_row__"
"""The column that carries each row's number through Ray (a task index for from_items)."""
READ_BATCH = 1024


def require_ray() -> Any:
    """``ray`` with Ray Data, or ``InputError`` telling how to install it."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError("the ray engine needs Ray Data: pip install 'medcoder[ray]' "
                         "(or use --engine local)", where="--engine") from None
    return ray


def plan_tasks(src: BatchInput) -> Iterable[Task]:
    """What the driver plans from: ``src`` itself, or for Parquet its ids only.

    A Parquet row is planned from its id columns with an empty text put in its place: its key
    (resume), its id (duplicates) and an id error are what reading the whole row would give; a
    text error is found where the row is coded, and then wins over a duplicate mark, as it does
    in the local engine.
    """
    if not isinstance(src, ParquetInput):
        return src
    return _parquet_ids(src)


def _parquet_ids(src: ParquetInput) -> Iterator[Task]:
    first = iter(src)  # the input's own checks (a text and an id column) before anything else
    next(first, None)
    close = getattr(first, "close", None)
    if close is not None:
        close()
    pf = src._open()
    cols = [c for c in ID_FIELDS if c in pf.schema_arrow.names]
    file = str(src.path)
    n = 0
    for batch in pf.iter_batches(batch_size=READ_BATCH * 16, columns=cols):
        for row in batch.to_pylist():
            n += 1
            yield _row_task({**row, "text": ""}, file, n, "row")


def _parquet_datasource(path: Path, tasks: int) -> Any:
    """``_NumberedParquet`` over ``path`` (defined here, as Ray is imported only when used)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from ray.data import Datasource, ReadTask
    from ray.data.block import BlockMetadata

    class _NumberedParquet(Datasource):
        """A Ray Data datasource over one Parquet file: at most ``tasks`` read tasks, each
        reading whole row groups in turn, each row with its 1-based row number in ``ROW``."""

        def __init__(self, path: Path, tasks: int) -> None:
            self.path = str(path)
            self.tasks = max(1, tasks)
            md = pq.ParquetFile(self.path).metadata
            self.groups: list[tuple[int, int, int, int]] = []
            first = 1
            for i in range(md.num_row_groups):
                rg = md.row_group(i)
                self.groups.append((i, first, rg.num_rows, rg.total_byte_size))
                first += rg.num_rows

        def estimate_inmemory_data_size(self) -> int | None:
            return sum(g[3] for g in self.groups)

        def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None,
                           data_context: Any = None) -> list[Any]:
            path = self.path
            groups = [g for g in self.groups if g[2]]
            k = max(1, min(self.tasks, parallelism if parallelism > 0 else self.tasks,
                           len(groups)))
            # each task a run of consecutive row groups, so that rows come back in file order
            share = [groups[len(groups) * i // k:len(groups) * (i + 1) // k] for i in range(k)]

            def read(mine: list[tuple[int, int, int, int]]) -> Iterator[Any]:
                pf = pq.ParquetFile(path)
                for group, first, _, _ in mine:
                    row = first
                    for b in pf.iter_batches(batch_size=READ_BATCH, row_groups=[group]):
                        t = pa.Table.from_batches([b])
                        yield t.append_column(ROW, pa.array(range(row, row + t.num_rows),
                                                            pa.int64()))
                        row += t.num_rows

            return [
                ReadTask(functools.partial(read, mine),
                         BlockMetadata(num_rows=sum(g[2] for g in mine),
                                       size_bytes=sum(g[3] for g in mine), input_files=(path,),
                                       exec_stats=None))
                for mine in share if mine
            ]

    return _NumberedParquet(path, tasks)


class _CodeActor:
    """One Ray actor: the knowledge base and the coder, built once, then batches of rows.

    A batch is either planned tasks (``task``: a pickled ``Task``) or Parquet rows (the file's
    columns and ``ROW``); it comes back as ``ROW`` and ``outcome`` (a pickled ``Outcome``).
    """

    def __init__(self, kb_root: str | None, mode: str, setting: str | None,
                 parquet: str | None = None, want: bytes = b"",
                 marks: dict[int, dict[str, Any]] | None = None) -> None:
        import contextlib
        import datetime as dt

        from medcoder.coders.diagnosis.engine import coder_for
        from medcoder.codesets.kb import KnowledgeBase, default_kb
        from medcoder.codesets.store import DataStore
        from medcoder.errors import MedcoderError

        self.kb = KnowledgeBase(DataStore(Path(kb_root))) if kb_root else default_kb()
        self.mode, self.setting = mode, setting
        self.parquet, self.want, self.marks = parquet, want, marks or {}
        with contextlib.suppress(MedcoderError):  # as local._init_worker: the coder, once
            coder_for(self.kb, dt.date.today())

    def _tasks(self, table: Any) -> tuple[list[int], list[Task]]:
        rows: list[int] = []
        tasks: list[Task] = []
        if self.parquet is None:
            for r, blob in zip(table.column(ROW).to_pylist(), table.column("task").to_pylist(),
                               strict=True):
                rows.append(r)
                tasks.append(pickle.loads(blob))
            return rows, tasks
        for obj in table.to_pylist():
            r = obj.pop(ROW)
            if r >= len(self.want) or not self.want[r]:
                continue  # done by an earlier run
            task = _row_task(obj, self.parquet, r, "row")
            if task.error is None and r in self.marks:
                task.error = self.marks[r]  # a duplicate id, found when planning
            rows.append(r)
            tasks.append(task)
        return rows, tasks

    def __call__(self, table: Any) -> Any:
        import pyarrow as pa

        from medcoder.batch.local import code_chunk

        rows, tasks = self._tasks(table)
        outcomes = code_chunk(tasks, self.kb, mode=self.mode, setting=self.setting)
        return pa.table({ROW: pa.array(rows, pa.int64()),
                         "outcome": pa.array([pickle.dumps(o) for o in outcomes], pa.binary())})


def _connect(ray: Any, address: str | None, workers: int) -> bool:
    """Connect to Ray (see the module docstring); True when this call started it."""
    if ray.is_initialized():
        return False
    address = address or os.environ.get(ADDRESS_ENV) or None
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level="WARNING")
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                     logging_level="WARNING")
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = "--ray-address" if address else "ray.init"
        raise InputError(f"cannot start or reach Ray{f' at {address}' if address else ''} "
                         f"({type(e).__name__}: {e})", where=where) from None
    return True


def run_ray(
    chunks: Iterable[list[Task]],
    write: Callable[[list[Outcome]], None],
    *,
    src: BatchInput,
    kb_root: str | None,
    workers: int = 1,
    mode: str = "billing",
    setting: str | None = None,
    chunk: int = 64,
    address: str | None = None,
) -> None:
    """Code the planned ``chunks`` on Ray and hand the outcomes to ``write`` ``chunk`` rows at
    a time, in input order (the same contract as ``local.run_local``)."""
    ray = require_ray()
    from ray import data as rdata

    parquet = isinstance(src, ParquetInput)
    order = array("q")  # the row numbers (Parquet) or task indexes to write, in input order
    items: list[dict[str, Any]] = []
    marks: dict[int, dict[str, Any]] = {}
    for planned in chunks:
        for task in planned:
            if parquet:
                row = task.line or 0  # a Parquet task always has its row number
                order.append(row)
                if task.error is not None and task.id is not None:
                    marks[row] = task.error
            else:
                order.append(len(items))
                items.append({ROW: len(items), "task": pickle.dumps(task)})
    if not order:
        return
    started = _connect(ray, address, workers)
    ctx = rdata.DataContext.get_current()
    saved = (ctx.execution_options.preserve_order, ctx.enable_progress_bars,
             ctx.print_on_execution_start)
    batches: Any = None
    try:
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        kwargs: dict[str, Any] = {"kb_root": kb_root, "mode": mode, "setting": setting}
        if parquet:
            want = bytearray(order[-1] + 1)
            for r in order:
                want[r] = 1
            kwargs.update(parquet=str(src.path), want=bytes(want), marks=marks)
            ds = rdata.read_datasource(_parquet_datasource(src.path, workers), num_cpus=0)
        else:
            ds = rdata.from_items(items)
            del items
        ds = ds.map_batches(_CodeActor, fn_constructor_kwargs=kwargs, batch_format="pyarrow",
                            batch_size=chunk, num_cpus=1,
                            compute=rdata.ActorPoolStrategy(size=workers))
        batches = iter(ds.iter_batches(batch_format="pyarrow", batch_size=None))
        _write_in_order(batches, order, write, chunk)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:  # a failed write: stop the actors now, not when collected
            close()
        (ctx.execution_options.preserve_order, ctx.enable_progress_bars,
         ctx.print_on_execution_start) = saved
        if started:
            ray.shutdown()


def _write_in_order(batches: Iterable[Any], order: array[int],
                    write: Callable[[list[Outcome]], None], chunk: int) -> None:
    """Outcomes as they come back from Ray, written in ``order`` a chunk at a time."""
    waiting: dict[int, Outcome] = {}
    out: list[Outcome] = []
    i = 0
    for table in batches:
        for r, blob in zip(table.column(ROW).to_pylist(), table.column("outcome").to_pylist(),
                           strict=True):
            waiting[r] = pickle.loads(blob)
        while i < len(order) and order[i] in waiting:
            out.append(waiting.pop(order[i]))
            i += 1
            if len(out) >= chunk:
                write(out)
                out = []
    if out:
        write(out)
    if i != len(order) or waiting:
        raise RuntimeError(f"the Ray engine lost rows: {len(order) - i} not coded, "
                           f"{len(waiting)} unexpected (a medcoder bug)")
