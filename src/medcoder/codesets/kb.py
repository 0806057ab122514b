"""The knowledge base: every table, opened lazily, for a date of service."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medcoder.codesets.registry import load_object, spec
from medcoder.codesets.store import DataStore, Selection, TableInfo
from medcoder.dates import parse_date
from medcoder.errors import DataError


@dataclass(frozen=True)
class Opened:
    """A reader for one table release, with the selection notice for the date asked about."""

    reader: Any
    info: TableInfo
    notice: str | None

    @property
    def release(self) -> str:
        return self.info.release


class KnowledgeBase:
    def __init__(self, store: DataStore | None = None) -> None:
        self.store = store or DataStore()
        self._readers: dict[tuple[str, str], Any] = {}
        self._opened: dict[tuple[str, _dt.date], Opened] = {}
        self._stamp: tuple[int, int] | None = None
        #: answers derived from the opened tables (e.g. a locality's GPCIs on a date), kept by
        #: their users; cleared with the readers whenever the data dir's manifest changes
        self.memo: dict[Any, Any] = {}
        self._refused: dict[tuple[str, _dt.date], DataError] = {}  # kinds not loaded for a date
        self._steady = 0

    def has(self, kind: str) -> bool:
        return bool(self.store.tables(kind)) or spec(kind).bundled is not None

    @contextmanager
    def steady(self) -> Iterator[KnowledgeBase]:
        """Within the block the data dir's manifest is looked at once, not at every ``open``:
        one claim's scrub or pricing (dozens of opens) sees one consistent set of tables."""
        if not self._steady:
            self._check_stamp()
        self._steady += 1
        hold = self.store.__dict__.get("_hold", 0)
        self.store.__dict__["_hold"] = hold + 1  # the manifest is not re-read inside either
        try:
            yield self
        finally:
            self._steady -= 1
            self.store.__dict__["_hold"] = hold

    def _check_stamp(self) -> None:
        stamp = self.store.stamp()
        if stamp != self._stamp:
            self._opened.clear()
            self._readers.clear()
            self._refused.clear()
            self.memo.clear()
            self._stamp = stamp

    def open(self, kind: str, dos: _dt.date | str | None = None) -> Opened:
        """The reader of ``kind`` in force on ``dos`` (today when omitted).

        A bundled kind (ICD-10-CM tabular) is built into the data dir on first use. A kind
        that is not loaded for the date raises DataError (remembered until the data dir changes).
        """
        d = dos if type(dos) is _dt.date else parse_date(dos)
        if not self._steady:
            self._check_stamp()
        hit = self._opened.get((kind, d))
        if hit is not None:
            return hit
        refused = self._refused.get((kind, d))
        if refused is not None:
            raise refused
        try:
            opened = self._open(kind, d)
        except DataError as exc:
            self._refused[(kind, d)] = exc
            raise
        self._opened[(kind, d)] = opened
        return opened

    def _open(self, kind: str, d: _dt.date) -> Opened:
        try:
            sel = self.store.select(kind, d)
        except DataError:
            if not self.store.tables(kind) and self.install_bundled(kind):
                sel = self.store.select(kind, d)
            else:
                raise
        return Opened(reader=self._reader(kind, sel), info=sel.info, notice=sel.notice)

    def _reader(self, kind: str, sel: Selection) -> Any:
        key = (kind, sel.info.release)
        reader = self._readers.get(key)
        if reader is None:
            cls = load_object(spec(kind).reader)
            reader = cls(sel.path, sel.info)
            self._readers[key] = reader
        return reader

    def install_bundled(self, kind: str) -> TableInfo | None:
        s = spec(kind)
        if s.bundled is None:
            return None
        source: Path = load_object(s.bundled)()
        label = load_object(s.extra["bundled_label"])() if "bundled_label" in s.extra else source.name
        return self.import_file(kind, source, source_label=label)

    def import_file(self, kind: str, path: Path | str, *, source_label: str | None = None) -> TableInfo:
        s = spec(kind)
        builder = load_object(s.builder)()
        info = self.store.install(kind, builder, Path(path), members=s.members, source_label=source_label)
        self._readers = {k: v for k, v in self._readers.items() if k[0] != kind}
        self._opened = {k: v for k, v in self._opened.items() if k[0] != kind}
        self._refused = {k: v for k, v in self._refused.items() if k[0] != kind}
        return info


_default: KnowledgeBase | None = None


def default_kb() -> KnowledgeBase:
    """The process-wide knowledge base over the default data dir (created on first call)."""
    global _default
    if _default is None or _default.store.root != DataStore().root:
        _default = KnowledgeBase()
    return _default
