"""Batch inputs: a folder of notes, a JSONL of encounters, or Parquet with a text column.

Each input is read lazily as a stream of ``Task`` objects, in input order, so a batch of
millions of encounters never sits in memory:

- a **folder**: every file under it (sorted by relative path, hidden files and folders left
  out), read by ``medcoder.readers.read_document`` (plain text, medcoder encounter JSON, FHIR R4
  Bundle, HL7 v2 — told apart as ``medcoder code`` does); the id is the path relative to the
  folder without its suffix (``note-1.txt`` -> ``note-1``);
- **JSONL** (``.jsonl``, ``.ndjson``): one JSON object per line (JSON Lines,
  https://jsonlines.org): ``id`` (or ``encounter_id``), ``text``, optional ``setting``,
  ``date_of_service``, ``age``, ``sex``; every other key is kept as metadata. Blank lines are
  skipped; a line that is not a JSON object, or lacks an id or a text, becomes an error row;
- **Parquet** (``.parquet``): a ``text`` column, an ``id`` (or ``encounter_id``) column,
  optional ``setting``, ``date_of_service``, ``age``, ``sex`` columns; every other column is
  metadata. Read a record batch at a time with pyarrow (imported only for Parquet).

Rows are told apart on resume by ``Task.key``: the id, or ``#line:N`` for a JSONL line whose id
could not be read. Nothing here reads note text into a message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medcoder.errors import FileFormatError, InputError

__all__ = ["ENCOUNTER_FIELDS", "BatchInput", "Task", "open_input", "task_key"]

ENCOUNTER_FIELDS = ("text", "setting", "date_of_service", "age", "sex")
"""Keys of a JSONL object / columns of a Parquet file that describe the encounter (with the id);
every other key or column is metadata."""
ID_FIELDS = ("id", "encounter_id")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)


@dataclass
class Task:
    """One encounter to code, or an input row already known to be bad (``error`` set).

    ``kind`` is ``path`` (a document file to read), ``fields`` (text and fields given) or
    ``error``. ``line`` is the 1-based line (JSONL) or row (Parquet), None for a folder file.
    """

    kind: str
    id: str | None
    file: str
    line: int | None = None
    path: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return task_key(self.id, self.line)


def task_key(id_: str | None, line: int | None) -> str:
    """The key a row is known by on resume: its id, else its line or row number."""
    return id_ if id_ is not None else f"#line:{line}"


def error_record(
    id_: str | None, file: str, line: int | None, code: str, message: str, where: str | None = None
) -> dict[str, Any]:
    """One line of ``OUTPUT.errors.jsonl`` (never the note text)."""
    return {"id": id_, "file": file, "line": line, "code": code, "message": message, "where": where}


class BatchInput:
    """A batch input: ``count()`` rows (for the progress bar), iterated as ``Task`` objects."""

    kind = "input"

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self) -> int:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Task]:
        raise NotImplementedError


class FolderInput(BatchInput):
    kind = "folder"

    def _files(self) -> list[Path]:
        files = []
        for p in self.path.rglob("*"):
            rel = p.relative_to(self.path)
            if any(part.startswith(".") for part in rel.parts) or not p.is_file():
                continue
            files.append(p)
        return sorted(files, key=lambda p: p.relative_to(self.path).as_posix())

    def count(self) -> int:
        return len(self._files())

    def __iter__(self) -> Iterator[Task]:
        for p in self._files():
            rel = p.relative_to(self.path)
            id_ = rel.with_suffix("").as_posix() if p.suffix else rel.as_posix()
            yield Task(kind="path", id=id_, file=str(p), path=str(p))


def _row_task(obj: dict[str, Any], file: str, line: int, what: str) -> Task:
    """A task from one JSONL object or Parquet row (``what`` names it in messages)."""
    raw_id = next((obj[k] for k in ID_FIELDS if obj.get(k) is not None), None)
    id_ = None
    if isinstance(raw_id, str) and raw_id.strip():
        id_ = raw_id.strip()
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        id_ = str(raw_id)
    where = f"{file}:{line}"
    if id_ is None:
        msg = f"the {what} has no id; expected an 'id' (or 'encounter_id') string or number"
        return Task(kind="error", id=None, file=file, line=line,
                    error=error_record(None, file, line, InputError.code, msg, where))
    text = obj.get("text")
    if not isinstance(text, str):
        msg = f"the {what} has no text; expected a 'text' string"
        return Task(kind="error", id=id_, file=file, line=line,
                    error=error_record(id_, file, line, InputError.code, msg, where))
    fields = {k: obj[k] for k in ENCOUNTER_FIELDS if obj.get(k) is not None}
    meta = {k: v for k, v in obj.items() if k not in ENCOUNTER_FIELDS and k not in ID_FIELDS}
    if "encounter_id" in obj and "id" in obj:
        meta["encounter_id"] = obj["encounter_id"]
    return Task(kind="fields", id=id_, file=file, line=line, fields=fields, metadata=meta)


class JsonlInput(BatchInput):
    kind = "jsonl"

    def count(self) -> int:
        with self.path.open("rb") as f:
            return sum(1 for raw in f if raw.strip())

    def __iter__(self) -> Iterator[Task]:
        file = str(self.path)
        with self.path.open("rb") as f:
            for n, raw in enumerate(f, start=1):
                if not raw.strip():
                    continue
                obj: Any = None
                problem = None
                try:
                    obj = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError as e:
                    problem = f"the line is not UTF-8 (byte {e.start + 1})"
                except json.JSONDecodeError as e:
                    problem = f"malformed JSON: {e.msg} (column {e.colno})"
                except RecursionError:
                    problem = "malformed JSON: nested too deeply"
                if problem is None and not isinstance(obj, dict):
                    problem = f"expected a JSON object, found {type(obj).__name__}"
                if problem is not None:
                    yield Task(kind="error", id=None, file=file, line=n, error=error_record(
                        None, file, n, FileFormatError.code, problem, f"{file}:{n}"))
                    continue
                yield _row_task(obj, file, n, "line")


class ParquetInput(BatchInput):
    kind = "parquet"

    def _open(self) -> Any:
        pq = _pyarrow_parquet()
        try:
            return pq.ParquetFile(self.path)
        except Exception as e:  # pyarrow raises ArrowInvalid / OSError for a file not Parquet
            raise FileFormatError(f"not a readable Parquet file ({type(e).__name__})",
                                  path=self.path) from None

    def count(self) -> int:
        return int(self._open().metadata.num_rows)

    def __iter__(self) -> Iterator[Task]:
        pf = self._open()
        names = set(pf.schema_arrow.names)
        if "text" not in names:
            raise FileFormatError("no 'text' column; a Parquet input needs a text column",
                                  path=self.path)
        if not names & set(ID_FIELDS):
            raise FileFormatError("no 'id' (or 'encounter_id') column", path=self.path)
        file = str(self.path)
        n = 0
        for batch in pf.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                n += 1
                yield _row_task(row, file, n, "row")


def _pyarrow_parquet() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("Parquet needs pyarrow (pip install 'pyarrow>=15')") from None
    return pq


def open_input(path: Path | str) -> BatchInput:
    """The batch input at ``path``: a folder, ``.jsonl``/``.ndjson`` or ``.parquet``."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or folder", where=p)
    if p.is_dir():
        return FolderInput(p)
    suffix = p.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return JsonlInput(p)
    if suffix in PARQUET_SUFFIXES:
        return ParquetInput(p)
    raise InputError(
        f"unknown batch input {p.suffix or '(no suffix)'!r}; expected a folder of notes, a "
        ".jsonl of encounters or a .parquet with a text column",
        where=p,
    )
