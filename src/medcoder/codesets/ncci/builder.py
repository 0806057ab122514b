"""Build the NCCI PTP and MUE tables from the official CMS files (layouts in ``layout.py``).

PTP: every part of one release goes into one table. A part comes as its own zip from CMS
(``medicare-ncci-2026q3-practitioner-ptp-edits-ccipra-v322r0-f1.zip`` … ``-f4.zip``), so the
importer takes, in one import, every part it is given: all matching members of a zip (also
zips of part zips), and, for a part given as a plain file under its CMS name, the other parts
of the same version lying beside it. Parts imported one at a time accumulate: importing
``-f2`` after ``-f1`` of the same version keeps ``-f1``'s edits (a part imported again
replaces its own edits; another revision, ``r1`` after ``r0``, starts afresh).

Every line after the column header must be an edit: codes, dates and indicators are checked
and a bad one is reported with its file and line (FileFormatError).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medcoder.codesets.store import BuildResult, DataStore
from medcoder.errors import DataError, FileFormatError

from . import xlsx
from .layout import (
    CODE_RE,
    MUE_SETTINGS,
    PTP_SETTINGS,
    PtpName,
    Quarter,
    cell_text,
    excel_serial,
    mue_effective,
    ptp_name,
    shown,
    yyyymmdd,
)

PTP_FORMAT = 1
MUE_FORMAT = 1

_HEADER_SCAN = 60  # the column header must appear within this many lines


def _connect(out_dir: Path) -> sqlite3.Connection:
    db = sqlite3.connect(out_dir / "table.sqlite")
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    return db


def _finish(db: sqlite3.Connection, meta: dict[str, Any]) -> None:
    db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
    db.commit()
    db.execute("ANALYZE")
    db.commit()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _norm(cell: str) -> str:
    return " ".join(cell.split()).lower()


def _looks_like_html(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(512).lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<"))


# -- PTP ---------------------------------------------------------------------------------------

PTP_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE rationales (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE ptp (
    column1 TEXT NOT NULL,       -- the code paid
    column2 TEXT NOT NULL,       -- the code denied when reported with column 1
    effective INTEGER NOT NULL,  -- YYYYMMDD
    deleted INTEGER,             -- YYYYMMDD (the last day in force); NULL while in force
    modifier INTEGER NOT NULL,   -- 0 not allowed, 1 allowed, 9 not applicable
    prior_1996 INTEGER NOT NULL, -- 1 when marked '*' (in existence prior to 1996)
    rationale INTEGER NOT NULL,  -- rationales.id
    part INTEGER NOT NULL,       -- the file part (f1 → 1)
    line INTEGER NOT NULL        -- the line (row) in that part
);
"""
PTP_INDEXES = """
CREATE INDEX ptp_pair ON ptp (column1, column2);
CREATE INDEX ptp_col2 ON ptp (column2);
"""

# the header's columns 3-7, by a word each must hold
_PTP_HEADER_WORDS = (("existence", "1996"), ("effective",), ("deletion",), ("modifier",), ("rationale",))
_OFFICIAL_PART = re.compile(r"^(cci(?:pra|oph))-(v\d{3}r\d+)-f(\d+)\.(txt|xlsx)$", re.IGNORECASE)


class _PtpBuilder:
    format_version: int = PTP_FORMAT
    setting: str = "practitioner"
    kind: str = "ncci-ptp-practitioner"

    # -- gathering the parts ---------------------------------------------------------------
    def _what(self) -> str:
        letters, _ = PTP_SETTINGS[self.setting]
        return f"the NCCI PTP {PTP_SETTINGS[self.setting][1]} edit file (cci{letters}-vNNNrN-fN.txt)"

    def _name(self, path: Path) -> PtpName:
        found = ptp_name(path.name)
        if found is None:
            raise FileFormatError(
                f"cannot tell the NCCI release from the file name; expected {self._what()} under "
                f"its CMS name, or a quarter such as 2026Q3 in the name",
                path=shown(path),
            )
        if found.setting is not None and found.setting != self.setting:
            other = "ncci-ptp-hospital" if found.setting == "hospital" else "ncci-ptp-practitioner"
            raise FileFormatError(
                f"this is the NCCI PTP {PTP_SETTINGS[found.setting][1]} file, not {self._what()}; "
                f"import it as {other}",
                path=shown(path),
            )
        return found

    def _gather(self, sources: list[Path], scratch: Path) -> list[tuple[PtpName, Path]]:
        letters, _ = PTP_SETTINGS[self.setting]
        files: list[Path] = []
        for src in sources:
            if src.suffix.lower() == ".zip":
                files.extend(self._unzip(src, scratch, letters))
            else:
                files.append(src)
        # a part given under its CMS name brings the other parts of its version lying beside it
        for f in list(files):
            m = _OFFICIAL_PART.match(f.name)
            if not m:
                continue
            for sib in sorted(f.parent.iterdir()):
                s = _OFFICIAL_PART.match(sib.name)
                if (
                    s
                    and sib not in files
                    and s.group(1).lower() == m.group(1).lower()
                    and s.group(2).lower() == m.group(2).lower()
                ):
                    files.append(sib)
        by_part: dict[int, tuple[PtpName, Path]] = {}
        for f in files:
            name = self._name(f)
            have = by_part.get(name.part)
            # the same part as text and as a workbook: the text is read
            if have is None or (have[1].suffix.lower() == ".xlsx" and f.suffix.lower() != ".xlsx"):
                by_part[name.part] = (name, f)
        parts = [by_part[k] for k in sorted(by_part)]
        first = parts[0][0]
        for name, f in parts[1:]:
            if (name.version, name.quarter) != (first.version, first.quarter):
                raise FileFormatError(
                    f"parts of different releases in one import ({first.version or first.quarter.label} "
                    f"and {name.version or name.quarter.label}); import one release at a time",
                    path=shown(f),
                )
        return parts

    def _unzip(self, src: Path, scratch: Path, letters: str, depth: int = 0) -> list[Path]:
        """The parts in a zip: its ``cci…`` text and workbook members, and those of zips inside."""
        pattern = re.compile(rf"cci{letters}.*\.(txt|xlsx|zip)$", re.IGNORECASE)
        out: list[Path] = []
        try:
            with zipfile.ZipFile(src) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                for n in names:
                    base = Path(n).name
                    nested = base.lower().endswith(".zip")
                    if not pattern.search(base) or (nested and depth >= 2):
                        continue
                    target = scratch / base
                    with zf.open(n) as fh, open(target, "wb") as dst:
                        shutil.copyfileobj(fh, dst)
                    if nested:
                        out.extend(self._unzip(target, scratch, letters, depth + 1))
                    else:
                        out.append(target)
        except zipfile.BadZipFile as exc:
            raise FileFormatError(f"corrupt zip archive: {exc}", path=shown(src)) from exc
        if not out:
            raise FileFormatError(
                f"zip holds no part of {self._what()}; it holds: {', '.join(names[:10]) or 'nothing'}",
                path=shown(src),
            )
        return out

    # -- reading a part ----------------------------------------------------------------------
    def _lines(self, path: Path) -> Iterator[tuple[int, list[str]]]:
        if path.suffix.lower() == ".xlsx":
            for n, cells in xlsx.read_rows(path):
                yield n, [cell_text(c) for c in cells]
            return
        with open(path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                yield n, _decode(raw.rstrip(b"\r\n")).split("\t")

    def _check_header(self, path: Path, n: int, fields: list[str]) -> int:
        cols = [_norm(f) for f in fields]
        while cols and not cols[-1]:
            cols.pop()
        if len(cols) < 6:
            raise FileFormatError(
                f"the column header has {len(cols)} columns; {self._what()} has 7 (Column 1, "
                f"Column 2, *=in existence prior to 1996, Effective Date, Deletion Date, Modifier, "
                f"PTP Edit Rationale)",
                path=shown(path),
                line=n,
            )
        for i, words in enumerate(_PTP_HEADER_WORDS[: len(cols) - 2], start=2):
            if not any(w in cols[i] for w in words):
                raise FileFormatError(
                    f"column {i + 1} of the header is {fields[i].strip()!r}; expected "
                    f"{words[0].capitalize()} there ({self._what()})",
                    path=shown(path),
                    line=n,
                )
        return len(cols)

    def _edits(self, path: Path) -> Iterator[tuple[int, str, str, int, int | None, int, int, str]]:
        """``(line, column1, column2, effective, deleted, modifier, prior_1996, rationale)``."""
        if path.suffix.lower() != ".xlsx" and _looks_like_html(path):
            raise FileFormatError(
                f"this is a web page, not {self._what()} (a failed download?)", path=shown(path)
            )
        is_xlsx = path.suffix.lower() == ".xlsx"
        dates: dict[str, int] = {}

        def date(text: str, n: int, col: int, what: str) -> int:
            hit = dates.get(text)
            if hit is not None:
                return hit
            d = yyyymmdd(text)
            if d is None and is_xlsx and len(text) <= 6:
                d = excel_serial(text)
            if d is None:
                raise FileFormatError(
                    f"{what} {text!r} is not a date (expected YYYYMMDD)", path=shown(path), line=n, column=col
                )
            value = d.year * 10000 + d.month * 100 + d.day
            dates[text] = value
            return value

        lines = self._lines(path)
        ncols = 0
        for n, fields in lines:
            if len(fields) >= 2 and _norm(fields[0]).replace(" ", "") == "column1" and (
                _norm(fields[1]).replace(" ", "") == "column2"
            ):
                ncols = self._check_header(path, n, fields)
                break
            if n >= _HEADER_SCAN:
                break
        if not ncols:
            raise FileFormatError(
                f"no 'Column 1 / Column 2' header in the first {_HEADER_SCAN} lines: not {self._what()}",
                path=shown(path),
            )
        started = False
        for n, fields in lines:
            cells = [f.strip() for f in fields]
            if not any(cells):
                continue
            if not started and not cells[0]:
                continue  # the rest of a header printed on several lines
            started = True
            if len(cells) < 6:
                raise FileFormatError(
                    f"an edit line has {len(cells)} columns; expected {ncols} (tab-delimited)",
                    path=shown(path),
                    line=n,
                )
            if any(cells[ncols:]):
                raise FileFormatError(
                    f"an edit line has more than {ncols} columns", path=shown(path), line=n, column=ncols + 1
                )
            c1, c2 = cells[0].upper(), cells[1].upper()
            for col, code in ((1, c1), (2, c2)):
                if not CODE_RE.match(code):
                    raise FileFormatError(
                        f"column {col} holds {code!r}, not a HCPCS/CPT code", path=shown(path), line=n, column=col
                    )
            flag = cells[2]
            if flag not in ("", "*"):
                raise FileFormatError(
                    f"the 'in existence prior to 1996' column holds {flag!r}; expected '*' or nothing",
                    path=shown(path),
                    line=n,
                    column=3,
                )
            eff = date(cells[3], n, 4, "effective date")
            deleted = None if cells[4] in ("", "*") else date(cells[4], n, 5, "deletion date")
            mod = cells[5]
            if mod not in ("0", "1", "9"):
                raise FileFormatError(
                    f"modifier indicator {mod!r}; expected 0 (not allowed), 1 (allowed) or 9 "
                    f"(not applicable)",
                    path=shown(path),
                    line=n,
                    column=6,
                )
            rationale = cells[6] if len(cells) > 6 else ""
            yield n, c1, c2, eff, deleted, int(mod), 1 if flag == "*" else 0, rationale

    # -- building ------------------------------------------------------------------------------
    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        db = _connect(out_dir)
        try:
            return self._build(db, sources, out_dir)
        finally:
            db.close()

    def _build(self, db: sqlite3.Connection, sources: list[Path], out_dir: Path) -> BuildResult:
        db.executescript(PTP_SCHEMA)
        rationales: dict[str, int] = {}
        rows_by_part: dict[int, int] = {}
        insert = "INSERT INTO ptp VALUES (?,?,?,?,?,?,?,?,?)"
        with tempfile.TemporaryDirectory(prefix="medcoder-unzip-") as tmp:
            parts = self._gather(sources, Path(tmp))
            first = parts[0][0]
            for name, path in parts:
                count = 0
                batch: list[tuple[Any, ...]] = []
                for n, c1, c2, eff, deleted, mod, prior, text in self._edits(path):
                    rid = rationales.get(text)
                    if rid is None:
                        rid = rationales[text] = len(rationales) + 1
                        db.execute("INSERT INTO rationales VALUES (?, ?)", (rid, text))
                    batch.append((c1, c2, eff, deleted, mod, prior, rid, name.part, n))
                    if len(batch) >= 50_000:
                        db.executemany(insert, batch)
                        count += len(batch)
                        batch.clear()
                db.executemany(insert, batch)
                count += len(batch)
                if count == 0:
                    raise FileFormatError(f"no edits after the column header ({self._what()})", path=shown(path))
                rows_by_part[name.part] = count
            files = [p.name for _, p in parts]
        rows_by_part.update(self._keep_earlier_parts(db, out_dir, first, set(rows_by_part)))
        db.executescript(PTP_INDEXES)
        q = first.quarter
        start = q.start.year * 10000 + q.start.month * 100 + q.start.day
        in_force = db.execute(
            "SELECT count(*) FROM ptp WHERE modifier != 9 AND effective <= ? "
            "AND (deleted IS NULL OR deleted >= ?)",
            (start, start),
        ).fetchone()[0]
        meta = {
            "kind": self.kind,
            "setting": self.setting,
            "release": q.label,
            "version": first.version,
            "parts": sorted(rows_by_part),
            "rows_by_part": {str(k): v for k, v in sorted(rows_by_part.items())},
            "files": files,
            "in_force_at_release_start": in_force,
            "rationales": db.execute("SELECT count(*) FROM rationales").fetchone()[0],
        }
        _finish(db, meta)
        return BuildResult(
            release=q.label,
            effective_from=q.start,
            effective_to=q.end,
            rows=sum(rows_by_part.values()),
            meta={k: meta[k] for k in ("setting", "version", "parts", "rows_by_part", "files")},
        )

    def _keep_earlier_parts(
        self, db: sqlite3.Connection, out_dir: Path, name: PtpName, new_parts: set[int]
    ) -> dict[int, int]:
        """Copy the other parts of the same version already installed (parts imported one by one).

        The table being built sits in the store's staging folder (``<data dir>/.staging-…/table``),
        so the data dir is two levels up; anywhere else there is nothing to keep.
        """
        root = out_dir.parent.parent
        if name.version is None or not (root / "manifest.json").is_file():
            return {}
        try:
            tables = DataStore(root).tables(self.kind)
        except DataError:
            return {}
        old = next(
            (
                t
                for t in tables
                if t.release == name.quarter.label
                and t.meta.get("version") == name.version
                and t.format_version == self.format_version
            ),
            None,
        )
        if old is None:
            return {}
        path = root / old.path / "table.sqlite"
        if not path.is_file():
            return {}
        keep = [p for p in old.meta.get("parts", []) if p not in new_parts]
        if not keep:
            return {}
        db.execute("ATTACH DATABASE ? AS old", (str(path),))
        marks = ",".join("?" * len(keep))
        db.execute(
            "INSERT OR IGNORE INTO rationales (text) SELECT text FROM old.rationales "
            "WHERE text NOT IN (SELECT text FROM rationales)"
        )
        db.execute(
            "INSERT INTO ptp SELECT o.column1, o.column2, o.effective, o.deleted, o.modifier, "
            "o.prior_1996, n.id, o.part, o.line FROM old.ptp o "
            "JOIN old.rationales r ON r.id = o.rationale JOIN rationales n ON n.text = r.text "
            f"WHERE o.part IN ({marks})",
            keep,
        )
        counts = dict(
            db.execute(f"SELECT part, count(*) FROM ptp WHERE part IN ({marks}) GROUP BY part", keep)
        )
        db.commit()
        db.execute("DETACH DATABASE old")
        return {int(k): int(v) for k, v in counts.items()}


class PtpPractitionerBuilder(_PtpBuilder):
    setting = "practitioner"
    kind = "ncci-ptp-practitioner"


class PtpHospitalBuilder(_PtpBuilder):
    setting = "hospital"
    kind = "ncci-ptp-hospital"


# -- MUE ---------------------------------------------------------------------------------------

MUE_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE mue (
    code TEXT PRIMARY KEY,
    value INTEGER NOT NULL,      -- the most units of service
    mai INTEGER NOT NULL,        -- MUE adjudication indicator 1, 2 or 3
    rationale TEXT NOT NULL,
    line INTEGER NOT NULL
) WITHOUT ROWID;
"""


class _MueBuilder:
    format_version: int = MUE_FORMAT
    setting: str = "practitioner"
    kind: str = "mue-practitioner"

    def _what(self) -> str:
        stem, _, words = MUE_SETTINGS[self.setting]
        return f"the MUE table for {words} (MCR_MUE_{stem}_Eff_MM-DD-YYYY.csv)"

    def _pick(self, sources: list[Path]) -> Path:
        by_stem: dict[str, Path] = {}
        for s in sources:
            have = by_stem.get(s.stem.lower())
            if have is None or (have.suffix.lower() == ".xlsx" and s.suffix.lower() != ".xlsx"):
                by_stem[s.stem.lower()] = s
        if len(by_stem) > 1:
            raise FileFormatError(
                f"several MUE tables in one import ({', '.join(p.name for p in by_stem.values())}); "
                f"import {self._what()} alone",
                path=shown(sources[0]),
            )
        return next(iter(by_stem.values()))

    def _rows(self, path: Path) -> Iterator[tuple[int, list[str]]]:
        if path.suffix.lower() == ".xlsx":
            for n, cells in xlsx.read_rows(path):
                yield n, [cell_text(c) for c in cells]
            return
        if _looks_like_html(path):
            raise FileFormatError(f"this is a web page, not {self._what()} (a failed download?)", path=shown(path))
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        reader = csv.reader(io.StringIO(_decode(raw), newline=""), strict=True)
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise FileFormatError(f"damaged CSV: {exc}", path=shown(path), line=reader.line_num) from exc

    def _header(self, path: Path, rows: Iterator[tuple[int, list[str]]]) -> tuple[int, ...]:
        for n, cells in rows:
            cols = [_norm(c) for c in cells]
            if cols and "hcpcs" in cols[0] and any("mue" in c for c in cols):
                return self._columns(path, n, cols)
            if n >= _HEADER_SCAN:
                break
        raise FileFormatError(
            f"no 'HCPCS/CPT Code … MUE Values' header in the first {_HEADER_SCAN} lines: not {self._what()}",
            path=shown(path),
        )

    def _columns(self, path: Path, n: int, cols: list[str]) -> tuple[int, ...]:
        def find(*words: str) -> int:
            for i, c in enumerate(cols):
                if all(w in c for w in words):
                    return i
            raise FileFormatError(
                f"the header lacks the '{' '.join(words).title()}' column ({self._what()})",
                path=shown(path),
                line=n,
            )

        value = find("mue", "value")
        header = cols[value]
        for setting, (_, words, label) in MUE_SETTINGS.items():
            if setting != self.setting and words in header:
                raise FileFormatError(
                    f"this is the MUE table for {label}, not {self._what()}; import it as mue-{setting}",
                    path=shown(path),
                    line=n,
                )
        return 0, value, find("adjudication", "indicator"), find("rationale")

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        path = self._pick(sources)
        eff = mue_effective(path.name)
        if eff is None:
            raise FileFormatError(
                f"cannot tell the MUE release from the file name; expected {self._what()} under its "
                f"CMS name (…_Eff_07-01-2026.csv), or a quarter such as 2026Q3 in the name",
                path=shown(path),
            )
        for other, (other_stem, _, _) in MUE_SETTINGS.items():
            if other != self.setting and other_stem.lower() in path.name.lower():
                raise FileFormatError(
                    f"this is the MUE table for {MUE_SETTINGS[other][2]}, not {self._what()}; "
                    f"import it as mue-{other}",
                    path=shown(path),
                )
        rows = self._rows(path)
        ci, vi, ai, ri = self._header(path, rows)
        seen: dict[str, int] = {}
        out: list[tuple[str, int, int, str, int]] = []
        mai_counts = {1: 0, 2: 0, 3: 0}
        for n, cells in rows:
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if len(cells) <= max(ci, vi, ai):
                raise FileFormatError(
                    f"an MUE line has {len(cells)} columns; expected 4 (code, MUE value, MUE "
                    f"adjudication indicator, rationale)",
                    path=shown(path),
                    line=n,
                )
            code = cells[ci].upper()
            if not CODE_RE.match(code):
                raise FileFormatError(f"{code!r} is not a HCPCS/CPT code", path=shown(path), line=n, column=ci + 1)
            if code in seen:
                raise FileFormatError(
                    f"{code} is listed twice (lines {seen[code]} and {n})", path=shown(path), line=n
                )
            seen[code] = n
            v = cells[vi]
            if not v.isdigit():
                raise FileFormatError(
                    f"MUE value {v!r} for {code} is not a whole number of units",
                    path=shown(path),
                    line=n,
                    column=vi + 1,
                )
            m = re.match(r"^([123])(?:\D|$)", cells[ai])
            if not m:
                raise FileFormatError(
                    f"MUE adjudication indicator {cells[ai]!r} for {code}; expected 1 (Line Edit), "
                    f"2 (Date of Service Edit: Policy) or 3 (Date of Service Edit: Clinical)",
                    path=shown(path),
                    line=n,
                    column=ai + 1,
                )
            mai = int(m.group(1))
            mai_counts[mai] += 1
            rationale = cells[ri] if ri < len(cells) else ""
            out.append((code, int(v), mai, rationale, n))
        if not out:
            raise FileFormatError(f"no MUE lines after the header ({self._what()})", path=shown(path))
        q = Quarter.of(eff)
        meta = {
            "kind": self.kind,
            "setting": self.setting,
            "release": q.label,
            "effective": eff.isoformat(),
            "file": path.name,
            "by_mai": {str(k): v for k, v in mai_counts.items()},
        }
        db = _connect(out_dir)
        try:
            db.executescript(MUE_SCHEMA)
            db.executemany("INSERT INTO mue VALUES (?,?,?,?,?)", out)
            _finish(db, meta)
        finally:
            db.close()
        return BuildResult(
            release=q.label,
            effective_from=eff,
            effective_to=q.end,
            rows=len(out),
            meta={"setting": self.setting, "file": path.name, "by_mai": meta["by_mai"]},
        )


class MuePractitionerBuilder(_MueBuilder):
    setting = "practitioner"
    kind = "mue-practitioner"


class MueHospitalBuilder(_MueBuilder):
    setting = "hospital"
    kind = "mue-hospital"


class MueDmeBuilder(_MueBuilder):
    setting = "dme"
    kind = "mue-dme"
