"""The knowledge base: every table, opened lazily, for a date of service."""

from __future__ import annotations

import datetime as _dt
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

    def has(self, kind: str) -> bool:
        return bool(self.store.tables(kind)) or spec(kind).bundled is not None

    def open(self, kind: str, dos: _dt.date | str | None = None) -> Opened:
        """The reader of ``kind`` in force on ``dos`` (today when omitted).

        A bundled kind (ICD-10-CM tabular) is built into the data dir on first use.
        """
        d = dos if type(dos) is _dt.date else parse_date(dos)
        stamp = self.store.stamp()
        if stamp != self._stamp:
            self._opened.clear()
            self._readers.clear()
            self._stamp = stamp
        hit = self._opened.get((kind, d))
        if hit is not None:
            return hit
        opened = self._open(kind, d)
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
        return info


_default: KnowledgeBase | None = None


def default_kb() -> KnowledgeBase:
    """The process-wide knowledge base over the default data dir (created on first call)."""
    global _default
    if _default is None or _default.store.root != DataStore().root:
        _default = KnowledgeBase()
    return _default
