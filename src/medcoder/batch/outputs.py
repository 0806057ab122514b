"""Batch outputs: JSONL or Parquet results, the errors file and the resume state.

One row per encounter, in input order: ``id``, ``metadata`` and ``CodingResult.to_dict()``
(``docs/formats.md``: ``schema_version``, ``source``, ``setting``, ``mode``,
``date_of_service``, ``releases``, ``diagnoses``, ``procedures`` with code, system, sequence,
confidence, evidence spans and text, rationale, units, modifiers, ``warnings``, ``queries``).

- ``OUTPUT.jsonl``: JSON Lines (https://jsonlines.org), appended a chunk at a time and fsynced.
  On resume a last line that was half written (no newline, or not JSON) is cut off.
- ``OUTPUT.parquet``: each chunk is a part file ``OUTPUT.parts/part-00001.parquet`` … written
  to a temporary name, fsynced and renamed (a part is there whole or not at all); at the end
  the parts are combined into ``OUTPUT`` (the same schema, ``PARQUET_SCHEMA``) and removed.
  ``metadata`` is a JSON string there, as metadata columns may hold any type.
- ``OUTPUT.errors.jsonl``: one JSON object per bad row (``id``, ``file``, ``line``, ``code``,
  ``message``, ``where``; never note text), appended the same way.
- ``OUTPUT.state.json``: which input and options wrote ``OUTPUT`` and the counts so far;
  a rerun with another input or options is refused rather than mixing two jobs.

What is done is read back from the files themselves (ids in ``OUTPUT`` and its parts, keys in
the errors file), so a crash loses at most the chunk in flight.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medcoder.batch.inputs import task_key
from medcoder.errors import InputError

__all__ = [
    "ErrorsLog",
    "JsonlSink",
    "ParquetSink",
    "ResultSink",
    "open_sink",
    "parquet_schema",
    "read_state",
    "write_state",
]

STATE_VERSION = 1


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _recover_jsonl(path: Path) -> list[dict[str, Any]]:
    """The complete JSON lines of ``path``; a half-written tail is cut off the file."""
    if not path.exists():
        return []
    out: list[dict[str, Any]] = []
    good = 0
    with path.open("rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            try:
                obj = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError):
                break
            if not isinstance(obj, dict):
                break
            out.append(obj)
            good += len(raw)
    if good != path.stat().st_size:
        with path.open("r+b") as f:
            f.truncate(good)
            f.flush()
            os.fsync(f.fileno())
    return out


def _append_lines(path: Path, objs: Iterable[dict[str, Any]]) -> None:
    data = "".join(json.dumps(o, ensure_ascii=False, default=str) + "\n" for o in objs)
    if not data:
        return
    with path.open("ab") as f:
        f.write(data.encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())


class ErrorsLog:
    """``OUTPUT.errors.jsonl``: bad rows, appended a chunk at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def recover(self) -> set[str]:
        """Keys of the rows already reported (a half-written last line is dropped)."""
        return {task_key(e.get("id"), e.get("line")) for e in _recover_jsonl(self.path)}

    def append(self, errors: list[dict[str, Any]]) -> None:
        _append_lines(self.path, errors)


class ResultSink:
    """Where result rows go; ``recover()`` returns the ids already written."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def recover(self) -> set[str]:
        raise NotImplementedError

    def append(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called once every row is written."""

    def sidecars(self) -> list[Path]:
        return []


class JsonlSink(ResultSink):
    def recover(self) -> set[str]:
        return {str(r["id"]) for r in _recover_jsonl(self.path) if r.get("id") is not None}

    def append(self, rows: list[dict[str, Any]]) -> None:
        _append_lines(self.path, rows)


def parquet_schema() -> Any:
    """The Arrow schema of a Parquet output (nested like the JSON, ``metadata`` as JSON text)."""
    import pyarrow as pa

    evidence = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()),
                          ("section", pa.string())])
    context = pa.struct([(k, pa.bool_()) for k in
                         ("negated", "uncertain", "historical", "family", "hypothetical")])
    code = pa.struct([
        ("code", pa.string()), ("system", pa.string()), ("description", pa.string()),
        ("label", pa.string()), ("sequence", pa.int32()), ("confidence", pa.float64()),
        ("evidence", pa.list_(evidence)), ("rationale", pa.list_(pa.string())),
        ("context", context), ("units", pa.float64()), ("modifiers", pa.list_(pa.string())),
        ("minutes", pa.int32()), ("diagnosis_pointers", pa.list_(pa.int32())),
    ])
    query = pa.struct([
        ("topic", pa.string()), ("question", pa.string()), ("indicators", pa.list_(evidence)),
        ("options", pa.list_(pa.string())), ("related_code", pa.string()),
        ("rationale", pa.string()),
    ])
    return pa.schema([
        ("id", pa.string()), ("metadata", pa.string()), ("schema_version", pa.string()),
        ("source", pa.string()), ("setting", pa.string()), ("mode", pa.string()),
        ("date_of_service", pa.string()), ("releases", pa.map_(pa.string(), pa.string())),
        ("diagnoses", pa.list_(code)), ("procedures", pa.list_(code)),
        ("warnings", pa.list_(pa.string())), ("queries", pa.list_(query)),
    ])


def _parquet_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["metadata"] = json.dumps(row.get("metadata") or {}, sort_keys=True, default=str)
    out["releases"] = sorted((row.get("releases") or {}).items())
    return out


class ParquetSink(ResultSink):
    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.parts = path.with_name(path.name + ".parts")
        import pyarrow  # noqa: F401  (fail early, before any work, when it is missing)

    def _part_files(self) -> list[Path]:
        if not self.parts.is_dir():
            return []
        return sorted(self.parts.glob("part-*.parquet"))

    def recover(self) -> set[str]:
        import pyarrow.parquet as pq

        if self.parts.is_dir():
            for tmp in self.parts.glob("*.tmp"):
                tmp.unlink()
        ids: set[str] = set()
        for f in ([self.path] if self.path.exists() else []) + self._part_files():
            ids.update(str(i) for i in pq.read_table(f, columns=["id"]).column("id").to_pylist())
        return ids

    def append(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.parts.mkdir(parents=True, exist_ok=True)
        existing = self._part_files()
        n = int(existing[-1].stem.split("-")[1]) + 1 if existing else 1
        final = self.parts / f"part-{n:05d}.parquet"
        tmp = final.with_name(final.name + ".tmp")
        table = pa.Table.from_pylist([_parquet_row(r) for r in rows], schema=parquet_schema())
        pq.write_table(table, tmp)
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
        _fsync_dir(self.parts)

    def finish(self) -> None:
        """Combine ``OUTPUT`` (from an earlier run) and the parts into ``OUTPUT``, in order."""
        import pyarrow.parquet as pq

        parts = self._part_files()
        if not parts:
            if not self.path.exists():  # an input with no good row: an empty table
                import pyarrow as pa

                pq.write_table(pa.Table.from_pylist([], schema=parquet_schema()), self.path)
            with contextlib.suppress(FileNotFoundError):
                self.parts.rmdir()
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        schema = parquet_schema()
        sources = ([self.path] if self.path.exists() else []) + parts
        with pq.ParquetWriter(tmp, schema) as w:
            for f in sources:
                w.write_table(pq.read_table(f, schema=schema))
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        shutil.rmtree(self.parts)

    def sidecars(self) -> list[Path]:
        return [self.parts]


def open_sink(path: Path | str) -> ResultSink:
    """The result sink for ``path``: ``.jsonl`` or ``.parquet`` by suffix."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return JsonlSink(p)
    if suffix == ".parquet":
        try:
            return ParquetSink(p)
        except ImportError:
            raise InputError("Parquet needs pyarrow (pip install 'pyarrow>=15')") from None
    raise InputError(
        f"unknown batch output {p.suffix or '(no suffix)'!r}; expected .jsonl or .parquet", where=p
    )


def state_path(output: Path) -> Path:
    return output.with_name(output.name + ".state.json")


def errors_path(output: Path) -> Path:
    return output.with_name(output.name + ".errors.jsonl")


def read_state(output: Path) -> dict[str, Any] | None:
    p = state_path(output)
    if not p.exists():
        return None
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # written atomically; unreadable only if edited by hand: rebuilt
    return obj if isinstance(obj, dict) else None


def write_state(output: Path, state: dict[str, Any]) -> None:
    """Write ``OUTPUT.state.json`` atomically (temporary file, fsync, rename)."""
    p = state_path(output)
    tmp = p.with_name(p.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump({"version": STATE_VERSION, **state}, f, indent=2, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, p)
