"""The data dir: versioned tables built from official files, with a manifest.

Layout::

    $MEDCODER_DATA/                      (or the platform's user data dir)
      manifest.json                      every installed table (see ``TableInfo``)
      tables/<kind>/<release>/           what a builder wrote (usually ``table.sqlite``)
      downloads/                         files fetched by ``medcoder data sync``

An import builds into a staging folder inside the data dir, then swaps it in with
``os.replace`` and rewrites the manifest atomically. A failed build removes its staging
folder and leaves the data dir exactly as it was.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from medcoder.errors import DataError, DataImportError, FileFormatError, MedcoderError

MANIFEST_VERSION = 1


def default_data_dir() -> Path:
    env = os.environ.get("MEDCODER_DATA")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("medcoder", appauthor=False))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class BuildResult:
    """What a builder reports about the table it wrote."""

    release: str
    effective_from: _dt.date
    effective_to: _dt.date | None
    rows: int
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableInfo:
    """One installed table, as recorded in the manifest."""

    kind: str
    release: str
    source: str  # file name(s) or URL the table was built from
    sha256: str  # of the source file (the zip when imported from a zip)
    effective_from: str  # ISO date
    effective_to: str | None
    rows: int
    built_at: str
    path: str  # relative to the data dir
    format_version: int
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> _dt.date:
        return _dt.date.fromisoformat(self.effective_from)

    @property
    def end(self) -> _dt.date | None:
        return _dt.date.fromisoformat(self.effective_to) if self.effective_to else None

    def covers(self, dos: _dt.date) -> bool:
        return self.start <= dos and (self.end is None or dos <= self.end)


class Builder(Protocol):
    """Turns official source file(s) into a table folder."""

    format_version: int

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult: ...


@dataclass(frozen=True)
class Selection:
    """The table chosen for a date of service, and what the user must be told about it."""

    info: TableInfo
    path: Path
    notice: str | None = None


def choose_release(tables: list[TableInfo], dos: _dt.date, kind: str) -> tuple[TableInfo, str | None]:
    """Pick the release in force on ``dos``; outside every range, the nearest, with a notice."""
    if not tables:
        raise DataError(
            f"no {kind} table is loaded; run `medcoder data import {kind} FILE` or `medcoder data sync`"
        )
    ordered = sorted(tables, key=lambda t: (t.start, t.built_at))
    covering = [t for t in ordered if t.covers(dos)]
    if covering:
        return covering[-1], None
    newest = ordered[-1]
    if dos > (newest.end or newest.start):
        return newest, (
            f"date of service {dos.isoformat()} is after the newest {kind} release loaded "
            f"({newest.release}, effective {newest.effective_from} to {newest.effective_to or 'open'}); "
            f"answered from {newest.release}. `medcoder data sync` or `medcoder data import {kind} FILE` "
            f"brings the newer release."
        )
    earlier = [t for t in ordered if t.start <= dos]
    if earlier:
        chosen = earlier[-1]
        return chosen, (
            f"no {kind} release loaded covers {dos.isoformat()}; answered from {chosen.release} "
            f"(effective {chosen.effective_from} to {chosen.effective_to or 'open'})."
        )
    oldest = ordered[0]
    return oldest, (
        f"date of service {dos.isoformat()} is before the oldest {kind} release loaded "
        f"({oldest.release}, effective from {oldest.effective_from}); answered from {oldest.release}. "
        f"Import the release in force on that date for an exact answer."
    )


class DataStore:
    """The manifest and the tables of one data dir."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_data_dir()
        self._cache: tuple[tuple[int, int], list[TableInfo]] | None = None

    # -- manifest --------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def stamp(self) -> tuple[int, int]:
        """Changes whenever the manifest is rewritten (mtime and size)."""
        try:
            st = os.stat(self._manifest_str)
        except FileNotFoundError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    @property
    def _manifest_str(self) -> str:
        # a plain string path: stat() is called on every table open, pathlib costs more than the call
        s: str | None = self.__dict__.get("_manifest_cached")
        if s is None or self.__dict__.get("_manifest_root") is not self.root:
            s = str(self.manifest_path)
            self.__dict__["_manifest_cached"] = s
            self.__dict__["_manifest_root"] = self.root
        return s

    def tables(self, kind: str | None = None) -> list[TableInfo]:
        if self._cache is None or not self.__dict__.get("_hold"):
            stamp = self.stamp()
            if self._cache is None or self._cache[0] != stamp:
                self._cache = (stamp, self._read_manifest())
        out = self._cache[1]
        return [t for t in out if kind is None or t.kind == kind]

    def _read_manifest(self) -> list[TableInfo]:
        try:
            raw = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            return [TableInfo(**t) for t in raw.get("tables", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError) as exc:
            raise DataError(
                f"manifest is unreadable ({exc}); re-import the tables", where=self.manifest_path
            ) from exc

    def _write_manifest(self, tables: list[TableInfo]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        body = {
            "manifest_version": MANIFEST_VERSION,
            "tables": [asdict(t) for t in sorted(tables, key=lambda t: (t.kind, t.effective_from))],
        }
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=self.root)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, self.manifest_path)
        self._cache = None  # read again, even inside a KnowledgeBase.steady() block

    # -- selection ---------------------------------------------------------------------------
    def select(self, kind: str, dos: _dt.date) -> Selection:
        info, notice = choose_release(self.tables(kind), dos, kind)
        path = self.root / info.path
        if not path.is_dir():
            raise DataError(
                f"{kind} {info.release} is in the manifest but its folder is missing; re-import it",
                where=path,
            )
        return Selection(info=info, path=path, notice=notice)

    # -- install -----------------------------------------------------------------------------
    def install(
        self,
        kind: str,
        builder: Builder,
        source: Path,
        *,
        members: tuple[str, ...] = (),
        source_label: str | None = None,
    ) -> TableInfo:
        """Build ``kind`` from ``source`` (a file, or a zip holding ``members`` patterns).

        On any failure the staging folder is removed and the data dir is unchanged.
        """
        source = Path(source)
        if not source.is_file():
            raise DataImportError(f"no such file (expected the official {kind} file or zip)", where=source)
        if source.stat().st_size == 0:
            raise DataImportError(f"file is empty (expected the official {kind} file)", where=source)
        self.root.mkdir(parents=True, exist_ok=True)
        checksum = sha256_file(source)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{kind}-", dir=self.root))
        try:
            sources = _unpack(source, members, staging / "src", kind)
            out_dir = staging / "table"
            out_dir.mkdir()
            try:
                result = builder.build(sources, out_dir)
            except MedcoderError:
                raise
            except Exception as exc:  # a builder bug or an unexpected layout: never a traceback
                raise DataImportError(
                    f"could not build {kind} from this file: {type(exc).__name__}: {exc}", where=source
                ) from exc
            if result.rows <= 0:
                raise DataImportError(f"no {kind} rows found in this file", where=source)
            rel = Path("tables") / kind / _safe(result.release)
            info = TableInfo(
                kind=kind,
                release=result.release,
                source=source_label or source.name,
                sha256=checksum,
                effective_from=result.effective_from.isoformat(),
                effective_to=result.effective_to.isoformat() if result.effective_to else None,
                rows=result.rows,
                built_at=_dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
                path=rel.as_posix(),
                format_version=builder.format_version,
                meta=result.meta,
            )
            final = self.root / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            trash = None
            if final.exists():
                trash = staging / "old"
                os.replace(final, trash)
            os.replace(out_dir, final)
            try:
                others = [t for t in self.tables() if not (t.kind == kind and t.release == result.release)]
                self._write_manifest([*others, info])
            except BaseException:
                # put the previous version back
                shutil.rmtree(final, ignore_errors=True)
                if trash is not None:
                    os.replace(trash, final)
                raise
            return info
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def remove(self, kind: str, release: str) -> None:
        keep = [t for t in self.tables() if not (t.kind == kind and t.release == release)]
        gone = [t for t in self.tables() if t.kind == kind and t.release == release]
        self._write_manifest(keep)
        for t in gone:
            shutil.rmtree(self.root / t.path, ignore_errors=True)


def _safe(release: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in release)


def _unpack(source: Path, members: tuple[str, ...], dest: Path, kind: str) -> list[Path]:
    """A plain file is used as it is; a zip yields its members matching ``members``.

    Only a ``.zip`` is unpacked: an ``.xlsx`` is a zip container too, but it is the table itself.
    """
    if source.suffix.lower() in (".xlsx", ".xlsm") or not zipfile.is_zipfile(source):
        if source.suffix.lower() == ".zip":
            raise FileFormatError(f"not a readable zip archive (expected the official {kind} zip)", path=source)
        return [source]
    dest.mkdir(parents=True)
    try:
        with zipfile.ZipFile(source) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            patterns = members or ("*",)
            chosen = [n for n in names if any(fnmatch.fnmatch(Path(n).name.lower(), p.lower()) for p in patterns)]
            if not chosen:
                raise DataImportError(
                    f"zip has no member matching {', '.join(patterns)} (the official {kind} file); "
                    f"it holds: {', '.join(names[:10]) or 'nothing'}",
                    where=source,
                )
            out = []
            for i, name in enumerate(chosen):
                target = dest / Path(name).name
                if target.exists():
                    target = dest / f"{i:03d}-{Path(name).name}"
                with zf.open(name) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                out.append(target)
            return out
    except zipfile.BadZipFile as exc:
        raise FileFormatError(f"corrupt zip archive: {exc}", path=source) from exc


@contextmanager
def atomic_write(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[Any]:
    """Write ``path`` via a temp file in the same folder and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
