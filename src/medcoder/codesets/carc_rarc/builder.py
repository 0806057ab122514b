"""Build a remittance code list (CARC, RARC, group, claim status, PLB) from its CSV.

Each line is checked: the code must have the list's shape (a RARC file given as ``carc`` is
refused, naming the kind it looks like), codes are unique, the description is not empty, and
every date printed after a description, or in a date column, must be a real ``MM/DD/YYYY``
date. Problems are reported with the file and line (FileFormatError).
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

from medcoder.codesets.store import BuildResult
from medcoder.errors import FileFormatError

from .layout import (
    COLUMNS,
    DATE_RE,
    FIRST_DATE_RE,
    GROUPS_RE,
    GUESS_ORDER,
    LISTS,
    RUN_IN_NOTE_RE,
    RemitList,
    normalize,
    shown,
)

# lists without any date: in force from the start of the HIPAA 835 code lists
UNDATED_START = _dt.date(1995, 1, 1)

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE codes (
    code TEXT PRIMARY KEY,
    description TEXT NOT NULL,   -- without the dates and notes printed after it
    start TEXT,                  -- ISO dates
    stop TEXT,
    modified TEXT,
    notes TEXT,
    groups TEXT NOT NULL,        -- JSON list: group codes a CARC may be used with ("Use only with …")
    ord INTEGER NOT NULL,        -- order in the file
    line INTEGER NOT NULL
) WITHOUT ROWID;
"""


def _date(text: str, path: Path, line: int, what: str) -> _dt.date:
    t = text.strip()
    for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return _dt.datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise FileFormatError(f"{what} date {t!r} is not a date (expected MM/DD/YYYY)", path=shown(path), line=line)


def split_description(
    text: str, path: Path, line: int
) -> tuple[str, dict[str, _dt.date], str | None]:
    """``"…treatment.Start: 01/01/1997 | Stop: …Notes: …"`` → description, dates, notes."""
    m = FIRST_DATE_RE.search(text)
    if m is None:
        return text.strip(), {}, None
    head, tail = text[: m.start()].strip(), text[m.start() :]
    notes: str | None = None
    i = tail.find("Notes:")
    if i >= 0:
        notes = tail[i + len("Notes:") :].strip() or None
        tail = tail[:i]
    dates: dict[str, _dt.date] = {}
    for label, value in DATE_RE.findall(tail):
        key = {"Start": "start", "Stop": "stop", "Last Modified": "modified"}[label]
        dates[key] = _date(value.rstrip("|"), path, line, label)
    rest = DATE_RE.sub("", tail).replace("|", "").strip()
    if rest:
        raise FileFormatError(
            f"unreadable text among the dates after the description: {rest[:60]!r}",
            path=shown(path),
            line=line,
        )
    return head, dates, notes


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


class _RemitBuilder:
    format_version: int = 1
    kind: str = "carc"

    @property
    def lst(self) -> RemitList:
        return LISTS[self.kind]

    def _what(self) -> str:
        return f"{self.lst.list_name} ({self.lst.file_hint}, columns Code,Description)"

    def _wrong_kind(self, code: str) -> str:
        for kind in GUESS_ORDER:
            other = LISTS[kind]
            if kind != self.kind and other.code_re.match(normalize(other, code)):
                return f"; the file looks like {other.list_name}: import it as {kind}"
        return ""

    def build(self, sources: list[Path], out_dir: Path) -> BuildResult:
        if len(sources) > 1:
            raise FileFormatError(
                f"several files in one import ({', '.join(p.name for p in sources)}); "
                f"import {self._what()} alone",
                path=shown(sources[0]),
            )
        path = sources[0]
        raw = path.read_bytes()
        if raw.lstrip()[:1] == b"<":
            raise FileFormatError(f"this is a web page, not {self._what()}", path=shown(path))
        reader = csv.reader(io.StringIO(_decode(raw), newline=""), strict=True)
        rows: list[tuple[int, list[str]]] = []
        try:
            rows.extend((reader.line_num, row) for row in reader)
        except csv.Error as exc:
            raise FileFormatError(f"damaged CSV ({exc})", path=shown(path), line=reader.line_num + 1) from exc
        if not rows:
            raise FileFormatError(f"no header line; expected {self._what()}", path=shown(path))
        header_line, header = rows[0]
        cols = [" ".join(h.split()).lower() for h in header]
        if len(cols) < 2 or cols[0] != "code" or cols[1] != "description":
            raise FileFormatError(
                f"the header is {','.join(h.strip() for h in header)[:80]!r}; expected the columns "
                f"Code,Description ({self._what()})",
                path=shown(path),
                line=header_line,
            )
        extra = {i: COLUMNS[c] for i, c in enumerate(cols) if i >= 2 and c in COLUMNS}
        out: list[tuple[Any, ...]] = []
        seen: dict[str, int] = {}
        all_dates: list[_dt.date] = []
        starts: list[_dt.date] = []
        stopped = 0
        for ord_, (n, row) in enumerate(rows[1:]):
            cells = [c.strip() for c in row]
            if not any(cells):
                continue
            if len(cells) < 2:
                raise FileFormatError(
                    "a line with one column; expected Code,Description", path=shown(path), line=n
                )
            code = normalize(self.lst, cells[0])
            if not self.lst.code_re.match(code):
                raise FileFormatError(
                    f"{cells[0]!r} is not {self.lst.noun} ({self.lst.shape})"
                    f"{self._wrong_kind(cells[0])}",
                    path=shown(path),
                    line=n,
                    column=1,
                )
            if code in seen:
                raise FileFormatError(f"{code} is listed twice (lines {seen[code]} and {n})", path=shown(path), line=n)
            seen[code] = n
            desc, dates, notes = split_description(cells[1], path, n)
            for i, field in extra.items():
                value = cells[i] if i < len(cells) else ""
                if not value:
                    continue
                if field == "notes":
                    notes = value
                else:
                    dates[field] = _date(value, path, n, field.replace("modified", "last modified"))
            if self.lst.split_run_in_notes and notes is None:
                m = RUN_IN_NOTE_RE.search(desc)
                if m:
                    desc, notes = desc[: m.start()].strip(), desc[m.start() :].strip()
            if not desc:
                raise FileFormatError(f"{code} has no description", path=shown(path), line=n, column=2)
            groups = sorted(set(_groups(desc)))
            if "stop" in dates:
                stopped += 1
            if "start" in dates:
                starts.append(dates["start"])
            all_dates.extend(d for k, d in dates.items() if k != "stop")
            out.append(
                (
                    code,
                    desc,
                    dates["start"].isoformat() if "start" in dates else None,
                    dates["stop"].isoformat() if "stop" in dates else None,
                    dates["modified"].isoformat() if "modified" in dates else None,
                    notes,
                    json.dumps(groups),
                    ord_,
                    n,
                )
            )
        if not out:
            raise FileFormatError(f"no codes after the header ({self._what()})", path=shown(path))
        if all_dates:
            release = max(all_dates).isoformat()
        else:
            release = "undated-" + hashlib.sha256(raw).hexdigest()[:8]
        start = min(starts) if starts else UNDATED_START
        meta = {
            "kind": self.kind,
            "release": release,
            "file": path.name,
            "codes": len(out),
            "stopped": stopped,
            "dated": bool(all_dates),
            "columns": [h.strip() for h in header],
        }
        db = sqlite3.connect(out_dir / "table.sqlite")
        try:
            db.executescript(SCHEMA)
            db.executemany("INSERT INTO codes VALUES (?,?,?,?,?,?,?,?,?)", out)
            db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            db.commit()
        finally:
            db.close()
        return BuildResult(
            release=release,
            effective_from=start,
            effective_to=None,
            rows=len(out),
            meta={"file": path.name, "stopped": stopped, "dated": bool(all_dates)},
        )


def _groups(desc: str) -> list[str]:
    out: list[str] = []
    for m in GROUPS_RE.finditer(desc):
        out.extend(g for g in ("CO", "CR", "OA", "PI", "PR") if g in m.group(1))
    return out


class CarcBuilder(_RemitBuilder):
    kind = "carc"


class RarcBuilder(_RemitBuilder):
    kind = "rarc"


class GroupCodesBuilder(_RemitBuilder):
    kind = "claim-adjustment-groups"


class ClaimStatusBuilder(_RemitBuilder):
    kind = "claim-status"


class PlbReasonsBuilder(_RemitBuilder):
    kind = "plb-reasons"
